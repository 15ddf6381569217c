// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "nimbus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nimbus", targets: ["nimbus"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Value types: ARNs, names, configurations, AWS errors. No I/O.
        .target(
            name: "NimbusModel",
            swiftSettings: swiftSettings
        ),
        // Store protocols and the SQLite (GRDB) implementation.
        .target(
            name: "NimbusStore",
            dependencies: [
                "NimbusModel",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Warm pool: the pure sandbox state machine and scheduler (the actors that run them come next).
        .target(
            name: "NimbusPool",
            swiftSettings: swiftSettings
        ),
        // Linux pieces Swift must not do itself: netns listener thread, posix_spawn with fd placement,
        // subreaper, the seccomp filter (libseccomp).
        .target(
            name: "CNimbusLinux",
            linkerSettings: [.linkedLibrary("seccomp")]
        ),
        // Sources/nimbus-spawn/main.c, the exec shim between nimbus serve and bwrap (cgroup join, rlimits,
        // fd hygiene, uid drop), is not a target: the Makefile compiles it with cc, free of the Swift runtime.
        // The Lambda Runtime API, one endpoint per sandbox, on plain NIO (it is on every invocation's path).
        .target(
            name: "NimbusRuntimeAPI",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Sandboxes: bubblewrap + cgroup v1 driver, the spawn shim's caller.
        .target(
            name: "NimbusSandbox",
            dependencies: [
                "CNimbusLinux", "NimbusRuntimeAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Zip validation and the content-addressed artifact store.
        .target(
            name: "NimbusCode",
            dependencies: [
                "NimbusModel",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // SigV4 verification and account resolution.
        .target(
            name: "NimbusAuth",
            dependencies: [
                "NimbusModel",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Control plane: the rules of every Lambda management operation, over the store.
        .target(
            name: "NimbusControl",
            dependencies: [
                "NimbusModel",
                "NimbusStore",
                "NimbusCode",
            ],
            swiftSettings: swiftSettings
        ),
        // SQS-compatible queues: attributes, messages, visibility, long polling, redrive, move tasks.
        .target(
            name: "NimbusQueue",
            dependencies: [
                "NimbusModel", "NimbusStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The invoke path: warm pool of sandboxes, runtime registry, timeouts and crash handling.
        .target(
            name: "NimbusInvoke",
            dependencies: [
                "NimbusModel", "NimbusControl", "NimbusPool", "NimbusRuntimeAPI", "NimbusSandbox", "NimbusStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Asynchronous invocation: the durable event runner, Lambda's retry policy, destinations and dead letters.
        .target(
            name: "NimbusAsync",
            dependencies: [
                "NimbusModel", "NimbusControl", "NimbusInvoke", "NimbusQueue", "NimbusStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP: routing, request decoding, authentication and AWS error rendering.
        .target(
            name: "NimbusHTTP",
            dependencies: [
                "NimbusModel",
                "NimbusAuth",
                "NimbusControl",
                "NimbusQueue",
                "NimbusStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition root: configuration to ServiceGroup.
        .target(
            name: "NimbusServer",
            dependencies: [
                "NimbusModel",
                "NimbusStore",
                "NimbusCode",
                "NimbusAuth",
                "NimbusControl",
                "NimbusHTTP",
                "NimbusAsync",
                "NimbusInvoke",
                "NimbusQueue",
                "NimbusSandbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "nimbus",
            dependencies: [
                "NimbusServer",
                "NimbusStore",
                "NimbusModel",
                "NimbusInvoke",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "NimbusModelTests", dependencies: ["NimbusModel"], swiftSettings: swiftSettings),
        .testTarget(name: "NimbusServerTests", dependencies: ["NimbusServer"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusHTTPTests",
            dependencies: ["NimbusHTTP", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusRuntimeAPITests", dependencies: ["NimbusRuntimeAPI"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusSandboxTests", dependencies: ["NimbusSandbox", "NimbusRuntimeAPI"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusAsyncTests", dependencies: ["NimbusAsync", "NimbusStore", "NimbusInvoke"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusQueueTests", dependencies: ["NimbusQueue", "NimbusStore"], swiftSettings: swiftSettings),
        .testTarget(name: "NimbusPoolTests", dependencies: ["NimbusPool"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusInvokeTests", dependencies: ["NimbusInvoke", "NimbusRuntimeAPI", "NimbusSandbox"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusStoreTests",
            dependencies: ["NimbusStore", "NimbusModel", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        .testTarget(name: "NimbusCodeTests", dependencies: ["NimbusCode", "NimbusModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusAuthTests", dependencies: ["NimbusAuth", "NimbusModel"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NimbusControlTests",
            dependencies: ["NimbusControl", "NimbusStore", "NimbusCode", "NimbusModel"],
            swiftSettings: swiftSettings
        ),
    ]
)
