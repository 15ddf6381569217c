"""The SQS-compatible API (issue 4) through boto3's `sqs` client and `aws sqs`, against a running server."""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import time

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import REGION, error_of, unique_name


@pytest.fixture(scope="session")
def sqs(nimbus, alice):
    return nimbus.client(alice, service="sqs")


@pytest.fixture(scope="session")
def bob_sqs(nimbus, bob):
    return nimbus.client(bob, service="sqs")


def new_queue(sqs, prefix="q", **attributes) -> str:
    return sqs.create_queue(QueueName=unique_name(prefix), Attributes={k: str(v) for k, v in attributes.items()})[
        "QueueUrl"
    ]


def arn_of(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def code_of(fn) -> tuple[str, int, str]:
    err = error_of(fn)
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


def attributes_md5(attributes: dict) -> str:
    """SQS's documented MD5 of message attributes, computed here independently of the server."""
    out = b""
    for name in sorted(attributes):
        value = attributes[name]
        out += struct.pack(">I", len(name.encode())) + name.encode()
        out += struct.pack(">I", len(value["DataType"].encode())) + value["DataType"].encode()
        if "BinaryValue" in value:
            out += b"\x02" + struct.pack(">I", len(value["BinaryValue"])) + value["BinaryValue"]
        else:
            data = value["StringValue"].encode()
            out += b"\x01" + struct.pack(">I", len(data)) + data
    return hashlib.md5(out).hexdigest()


def test_queue_lifecycle_urls_and_listing(sqs, nimbus, alice):
    prefix = unique_name("life")
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3)]
    assert urls[0] == f"{nimbus.endpoint}/{alice.account_id}/{prefix}-0"
    assert sqs.get_queue_url(QueueName=f"{prefix}-1")["QueueUrl"] == urls[1]
    assert sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"] == urls
    page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert page["QueueUrls"] == urls[:2] and page["NextToken"]
    rest = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=page["NextToken"])
    assert rest["QueueUrls"] == urls[2:] and "NextToken" not in rest
    # Idempotent create with equal attributes; a different value is QueueAlreadyExists.
    assert sqs.create_queue(QueueName=f"{prefix}-0")["QueueUrl"] == urls[0]
    with pytest.raises(sqs.exceptions.QueueNameExists) as ei:
        sqs.create_queue(QueueName=f"{prefix}-0", Attributes={"VisibilityTimeout": "5"})
    assert ei.value.response["Error"]["Code"] == "QueueAlreadyExists"
    sqs.delete_queue(QueueUrl=urls[0])
    assert code_of(lambda: sqs.get_queue_url(QueueName=f"{prefix}-0"))[:2] == (
        "AWS.SimpleQueueService.NonExistentQueue", 400)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=urls[0], MessageBody="x")
    code, status, message = code_of(lambda: sqs.create_queue(QueueName=f"{prefix}-0"))
    assert (code, status) == ("AWS.SimpleQueueService.QueueDeletedRecently", 400) and "60 seconds" in message
    assert code_of(lambda: sqs.create_queue(QueueName="bad name!"))[0] == "InvalidParameterValue"


def test_queues_are_per_account(sqs, bob_sqs):
    url = new_queue(sqs, "private")
    name = url.rsplit("/", 1)[1]
    with pytest.raises(bob_sqs.exceptions.QueueDoesNotExist):
        bob_sqs.get_queue_url(QueueName=name)
    with pytest.raises(bob_sqs.exceptions.QueueDoesNotExist):
        bob_sqs.send_message(QueueUrl=url, MessageBody="x")
    assert name not in json.dumps(bob_sqs.list_queues())


def test_attributes_get_set_and_errors(sqs):
    url = new_queue(sqs, "attrs", VisibilityTimeout=7, DelaySeconds=0)
    everything = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert everything["VisibilityTimeout"] == "7"
    assert everything["MaximumMessageSize"] == "262144"
    assert everything["MessageRetentionPeriod"] == "345600"
    assert everything["ApproximateNumberOfMessages"] == "0"
    assert everything["QueueArn"].startswith(f"arn:aws:sqs:{REGION}:")
    assert int(everything["CreatedTimestamp"]) > 1_600_000_000
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45", "ReceiveMessageWaitTimeSeconds": "1"})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "ReceiveMessageWaitTimeSeconds"])
    assert got["Attributes"] == {"VisibilityTimeout": "45", "ReceiveMessageWaitTimeSeconds": "1"}
    with pytest.raises(sqs.exceptions.InvalidAttributeValue):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Colour"])
    code, status, message = code_of(lambda: sqs.create_queue(
        QueueName=unique_name("r"), Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:000000000000:none", "maxReceiveCount": 2})}))
    assert (code, status) == ("InvalidParameterValue", 400) and "Dead letter target does not exist" in message


def test_send_receive_attributes_md5_visibility_and_delete(sqs, alice):
    url = new_queue(sqs, "msgs", VisibilityTimeout=1)
    attributes = {
        "City": {"DataType": "String", "StringValue": "Any City"},
        "Population": {"DataType": "Number", "StringValue": "1250800"},
        "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"},
    }
    body = "héllo ✓"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == attributes_md5(attributes)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])
    [message] = got["Messages"]
    assert message["Body"] == body and message["MessageId"] == sent["MessageId"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert message["Attributes"]["SenderId"] == alice.account_id
    assert abs(int(message["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 60_000
    # In flight: invisible, counted as not visible; after the 1 s timeout it comes back.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"
    time.sleep(1.2)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"], VisibilityTimeout=30)
    [second] = again["Messages"]
    assert second["Attributes"] == {"ApproximateReceiveCount": "2"}
    assert second["ReceiptHandle"] != message["ReceiptHandle"]
    # Only the message attributes asked for by name.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["City", "Nope"], VisibilityTimeout=30)["Messages"][0]
    assert list(third["MessageAttributes"]) == ["City"]
    # A stale handle deletes nothing (as in SQS); the latest one deletes.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    code, status, text = code_of(lambda: sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=5))
    assert (code, status) == ("InvalidParameterValue", 400) and "not available for visibility timeout change" in text
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_bad_messages_and_receipt_handles(sqs):
    url = new_queue(sqs, "bad")
    code, status, message = code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * (256 * 1024 + 1)))
    assert (code, status) == ("InvalidParameterValue", 400) and "Message must be shorter than 262144 bytes" in message
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="bell\x07"))[0] == "InvalidMessageContents"
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901))[0] == "InvalidParameterValue"
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
        "AWS.reserved": {"DataType": "String", "StringValue": "v"}}))[0] == "InvalidParameterValue"
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
        "n": {"DataType": "Number", "StringValue": "ten"}}))[0] == "InvalidParameterValue"
    assert code_of(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11))[0] == "InvalidParameterValue"
    assert code_of(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21))[0] == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="forged-handle")
    # A real handle of another queue is not valid for this one.
    other = new_queue(sqs, "other")
    sqs.send_message(QueueUrl=other, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=other)["Messages"][0]["ReceiptHandle"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    # Nothing was stored by the rejected sends.
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert code_of(lambda: sqs.send_message(QueueUrl="not a url", MessageBody="x"))[0] == "InvalidAddress"


def test_batches(sqs):
    url = new_queue(sqs, "batch", MaximumMessageSize=1024)
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "one"},
        {"Id": "b", "MessageBody": "two", "DelaySeconds": 0},
        {"Id": "c", "MessageBody": "y" * 2000},
    ])
    assert sorted(e["Id"] for e in result["Successful"]) == ["a", "b"]
    [failed] = result["Failed"]
    assert failed["Id"] == "c" and failed["SenderFault"] is True and failed["Code"] == "InvalidParameterValue"
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "x", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "y", "ReceiptHandle": "forged", "VisibilityTimeout": 0},
    ])
    assert [e["Id"] for e in changed["Successful"]] == ["x"] and changed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "d1", "ReceiptHandle": got[1]["ReceiptHandle"]}, {"Id": "d2", "ReceiptHandle": "forged"}])
    assert [e["Id"] for e in deleted["Successful"]] == ["d1"] and deleted["Failed"][0]["Id"] == "d2"
    for entries, code in [
        ([], "AWS.SimpleQueueService.EmptyBatchRequest"),
        ([{"Id": str(i), "MessageBody": "x"} for i in range(11)], "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
        ([{"Id": "same", "MessageBody": "x"}] * 2, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
        ([{"Id": "no spaces", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
        ([{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)], "AWS.SimpleQueueService.BatchRequestTooLong"),
    ]:
        assert code_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=entries))[:2] == (code, 400)


def test_long_polling_wakes_on_send_and_times_out(sqs):
    url = new_queue(sqs, "poll")
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 < time.monotonic() - started < 3
    result = {}

    def receive():
        t0 = time.monotonic()
        result["messages"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
        result["elapsed"] = time.monotonic() - t0

    thread = threading.Thread(target=receive)
    thread.start()
    time.sleep(0.5)
    sqs.send_message(QueueUrl=url, MessageBody="wake up")
    thread.join(15)
    assert [m["Body"] for m in result["messages"]] == ["wake up"]
    assert result["elapsed"] < 3
    # A delayed message wakes a long poll when its delay ends.
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=result["messages"][0]["ReceiptHandle"])
    t0 = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
    assert [m["Body"] for m in got] == ["later"] and time.monotonic() - t0 < 3


def test_purge_and_tags(sqs):
    url = new_queue(sqs, "purge")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(5)])
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)
    sqs.tag_queue(QueueUrl=url, Tags={"team": "a", "env": "dev"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    tagged = sqs.create_queue(QueueName=unique_name("tagged"), tags={"k": "v"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=tagged)["Tags"] == {"k": "v"}


def test_redrive_to_dead_letter_queue_and_move_back(sqs):
    dlq = new_queue(sqs, "dlq")
    dlq_arn = arn_of(sqs, dlq)
    source = new_queue(sqs, "src", VisibilityTimeout=1, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))
    source_arn = arn_of(sqs, source)
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison")
    for attempt in (1, 2):
        [m] = sqs.receive_message(QueueUrl=source, AttributeNames=["ApproximateReceiveCount"])["Messages"]
        assert m["Attributes"]["ApproximateReceiveCount"] == str(attempt)
        time.sleep(1.1)
    assert "Messages" not in sqs.receive_message(QueueUrl=source)  # the third receive moves it
    [dead] = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"], VisibilityTimeout=0)["Messages"]
    assert dead["MessageId"] == sent["MessageId"] and dead["Body"] == "poison"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == source_arn
    with pytest.raises(ClientError):  # a queue that is no dead-letter queue cannot be a move source
        sqs.start_message_move_task(SourceArn=source_arn)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    deadline = time.time() + 10
    while True:
        [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if task["Status"] == "COMPLETED" or time.time() > deadline:
            break
        time.sleep(0.1)
    assert task["Status"] == "COMPLETED" and task["ApproximateNumberOfMessagesMoved"] == 1
    assert handle
    [back] = sqs.receive_message(QueueUrl=source, AttributeNames=["All"])["Messages"]
    assert back["MessageId"] == sent["MessageId"] and back["Attributes"]["ApproximateReceiveCount"] == "1"
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.cancel_message_move_task(TaskHandle=handle)


def test_move_task_to_an_explicit_destination_and_cancel(sqs):
    dlq = new_queue(sqs, "dlq2")
    dlq_arn = arn_of(sqs, dlq)
    new_queue(sqs, "src2", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
    target = new_queue(sqs, "target")
    for chunk in range(3):
        sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": f"{chunk}-{i}"} for i in range(10)])
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=arn_of(sqs, target),
                                         MaxNumberOfMessagesPerSecond=10)["TaskHandle"]
    with pytest.raises(ClientError):  # one running task per source
        sqs.start_message_move_task(SourceArn=dlq_arn)
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert 0 <= moved < 30
    time.sleep(1.5)
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["Status"] == "CANCELLED"
    counts = [int(sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"]) for u in (dlq, target)]
    assert sum(counts) == 30 and counts[1] == task["ApproximateNumberOfMessagesMoved"] < 30


def test_protocol_errors(nimbus, alice, sqs):
    raw = nimbus.raw(alice)
    url = new_queue(sqs, "proto")
    resp = raw.request("POST", "/", json.dumps({"QueueUrl": url}).encode(), service="sqs",
                       headers={"X-Amz-Target": "AmazonSQS.Frobnicate", "Content-Type": "application/x-amz-json-1.0"})
    assert resp.status_code == 400 and "UnknownOperation" in resp.json()["__type"]
    assert resp.headers["x-amzn-query-error"] == "UnknownOperation;Sender"
    resp = raw.request("POST", "/", b"{not json", service="sqs",
                       headers={"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"})
    assert resp.status_code == 400 and "SerializationException" in resp.json()["__type"]
    # Signed for lambda, sent to SQS: refused.
    resp = raw.request("POST", "/", json.dumps({"QueueUrl": url, "MessageBody": "x"}).encode(),
                       headers={"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"})
    assert resp.status_code == 403
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_aws_cli_sqs(aws_cli, alice):
    name = unique_name("cli")
    created = aws_cli(alice, "create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=20", service="sqs")
    assert created.returncode == 0, created.stderr
    url = created.json["QueueUrl"]
    sent = aws_cli(alice, "send-message", "--queue-url", url, "--message-body", "from the cli", service="sqs")
    assert sent.returncode == 0, sent.stderr
    got = aws_cli(alice, "receive-message", "--queue-url", url, "--attribute-names", "All", service="sqs")
    [message] = got.json["Messages"]
    assert message["Body"] == "from the cli" and message["MessageId"] == sent.json["MessageId"]
    deleted = aws_cli(alice, "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"],
                      service="sqs")
    assert deleted.returncode == 0, deleted.stderr
    listed = aws_cli(alice, "list-queues", "--queue-name-prefix", name, service="sqs")
    assert listed.json["QueueUrls"] == [url]
    attrs = aws_cli(alice, "get-queue-attributes", "--queue-url", url, "--attribute-names", "VisibilityTimeout",
                    service="sqs")
    assert attrs.json["Attributes"] == {"VisibilityTimeout": "20"}
    missing = aws_cli(alice, "get-queue-url", "--queue-name", name + "-none", service="sqs")
    assert missing.returncode != 0 and "NonExistentQueue" in missing.stderr


def test_aws_cli_covers_the_other_operations(aws_cli, alice, tmp_path):
    def sqs(*args):
        result = aws_cli(alice, *args, service="sqs")
        assert result.returncode == 0, f"aws sqs {args[0]}: {result.stderr}"
        return result.json

    dlq = sqs("create-queue", "--queue-name", unique_name("clidlq"))["QueueUrl"]
    dlq_arn = sqs("get-queue-attributes", "--queue-url", dlq, "--attribute-names", "QueueArn")["Attributes"]["QueueArn"]
    src = sqs("create-queue", "--queue-name", unique_name("clisrc"))["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})
    attributes = tmp_path / "attributes.json"
    attributes.write_text(json.dumps({"RedrivePolicy": policy, "VisibilityTimeout": "0"}))
    assert sqs("set-queue-attributes", "--queue-url", src, "--attributes", f"file://{attributes}") is None
    assert sqs("list-dead-letter-source-queues", "--queue-url", dlq)["queueUrls"] == [src]
    entries = tmp_path / "entries.json"
    entries.write_text(json.dumps([{"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two"}]))
    assert len(sqs("send-message-batch", "--queue-url", src, "--entries", f"file://{entries}")["Successful"]) == 2
    got = sqs("receive-message", "--queue-url", src, "--max-number-of-messages", "10",
              "--visibility-timeout", "30")["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    assert sqs("change-message-visibility", "--queue-url", src, "--receipt-handle", got[0]["ReceiptHandle"],
               "--visibility-timeout", "0") is None
    visibility = tmp_path / "visibility.json"
    visibility.write_text(json.dumps([{"Id": "v", "ReceiptHandle": got[1]["ReceiptHandle"], "VisibilityTimeout": 0}]))
    assert sqs("change-message-visibility-batch", "--queue-url", src, "--entries", f"file://{visibility}")[
        "Successful"] == [{"Id": "v"}]
    # Received once already (maxReceiveCount 1): the next receive moves both to the dead-letter queue.
    assert sqs("receive-message", "--queue-url", src) is None
    task = sqs("start-message-move-task", "--source-arn", dlq_arn)["TaskHandle"]
    assert task
    deadline = time.time() + 10
    while time.time() < deadline:
        [status] = sqs("list-message-move-tasks", "--source-arn", dlq_arn)["Results"]
        if status["Status"] == "COMPLETED":
            break
        time.sleep(0.2)
    assert status["Status"] == "COMPLETED" and status["ApproximateNumberOfMessagesMoved"] == 2
    cancel = aws_cli(alice, "cancel-message-move-task", "--task-handle", task, service="sqs")
    assert cancel.returncode != 0 and "ResourceNotFoundException" in cancel.stderr
    back = sqs("receive-message", "--queue-url", src, "--max-number-of-messages", "10", "--visibility-timeout", "30")
    assert sorted(m["Body"] for m in back["Messages"]) == ["one", "two"]
    delete = tmp_path / "delete.json"
    delete.write_text(json.dumps([{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                  for i, m in enumerate(back["Messages"])]))
    assert len(sqs("delete-message-batch", "--queue-url", src, "--entries", f"file://{delete}")["Successful"]) == 2
    assert sqs("tag-queue", "--queue-url", src, "--tags", "team=a,env=dev") is None
    assert sqs("untag-queue", "--queue-url", src, "--tag-keys", "env") is None
    assert sqs("list-queue-tags", "--queue-url", src)["Tags"] == {"team": "a"}
    sqs("send-message", "--queue-url", src, "--message-body", "to purge")
    assert sqs("purge-queue", "--queue-url", src) is None
    assert sqs("receive-message", "--queue-url", src) is None
    assert sqs("delete-queue", "--queue-url", src) is None
    assert sqs("delete-queue", "--queue-url", dlq) is None
    gone = aws_cli(alice, "get-queue-url", "--queue-name", src.rsplit("/", 1)[1], service="sqs")
    assert gone.returncode != 0 and "NonExistentQueue" in gone.stderr


def test_fifo_queue_order_groups_and_deduplication(sqs):
    name = unique_name("orders") + ".fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true" and attributes["ContentBasedDeduplication"] == "false"
    sent = [sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="a", MessageDeduplicationId=f"a{i}")
            for i in range(3)]
    sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="b", MessageDeduplicationId="b0")
    numbers = [int(s["SequenceNumber"]) for s in sent]
    assert numbers == sorted(numbers) and len(sent[0]["SequenceNumber"]) >= 20
    # A duplicate within five minutes is accepted and not stored again.
    again = sqs.send_message(QueueUrl=url, MessageBody="a0 again", MessageGroupId="a", MessageDeduplicationId="a0")
    assert again["MessageId"] == sent[0]["MessageId"]
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a0", "a1"]
    assert first[0]["Attributes"]["MessageGroupId"] == "a" and first[0]["Attributes"]["MessageDeduplicationId"] == "a0"
    assert first[0]["Attributes"]["SequenceNumber"] == sent[0]["SequenceNumber"]
    # Group a is in flight: only b is available until a's messages are deleted.
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["b0"]
    sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(first)])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["a2"]
    # FIFO rules.
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="x"))[0] == \
        "MissingParameter"
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g"))[0] == \
        "InvalidParameterValue"
    assert code_of(lambda: sqs.create_queue(QueueName=unique_name("nofifo") + ".fifo"))[0] == "InvalidParameterValue"
    content = sqs.create_queue(QueueName=unique_name("content") + ".fifo",
                               Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    one = sqs.send_message(QueueUrl=content, MessageBody="same", MessageGroupId="g")
    two = sqs.send_message(QueueUrl=content, MessageBody="same", MessageGroupId="g")
    assert one["MessageId"] == two["MessageId"]
    batch = sqs.send_message_batch(QueueUrl=content, Entries=[
        {"Id": "1", "MessageBody": "x1", "MessageGroupId": "g"}, {"Id": "2", "MessageBody": "x2"}])
    assert [e["Id"] for e in batch["Successful"]] == ["1"] and "SequenceNumber" in batch["Successful"][0]
    assert batch["Failed"][0]["Id"] == "2" and batch["Failed"][0]["Code"] == "MissingParameter"
