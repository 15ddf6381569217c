import HTTPTypes
import Testing

@testable import NimbusHTTP

@Suite struct BodyCapTests {
    @Test("Every route's request line keeps more than its operation accepts, so 413 is still the responder's")
    func everyRouteKeepsOneBytePastItsLimit() {
        for route in Routes.all {
            let path = "/" + route.segments.map { $0.hasPrefix("{") ? "name" : $0 }.joined(separator: "/")
            let cap = APIChannelHandler.bodyCap(method: HTTPRequest.Method(route.method)!, path: path + "?Qualifier=1")
            #expect(cap > route.operation.bodyLimit, "\(route.method) \(path)")
        }
    }

    @Test("Only code uploads keep 70 MB; everything else keeps SQS's 8 MB at most")
    func onlyCodeUploadsKeepSeventyMegabytes() {
        let large = Operation.createFunction.bodyLimit + 1
        let small = SQSResponder.bodyLimit + 1
        #expect(APIChannelHandler.bodyCap(method: .post, path: "/2015-03-31/functions") == large)
        #expect(APIChannelHandler.bodyCap(method: .post, path: "/2015-03-31/functions/") == large)
        #expect(APIChannelHandler.bodyCap(method: .put, path: "/2015-03-31/functions/f/code") == large)
        #expect(APIChannelHandler.bodyCap(method: .post, path: "/2015-03-31/functions/f/invocations") == small)
        #expect(APIChannelHandler.bodyCap(method: .put, path: "/2015-03-31/functions/f/configuration") == small)
        #expect(APIChannelHandler.bodyCap(method: .get, path: "/2015-03-31/functions") == small)
        #expect(APIChannelHandler.bodyCap(method: .post, path: "/") == small)
        #expect(APIChannelHandler.bodyCap(method: .post, path: "/health?x=/functions") == small)
    }
}
