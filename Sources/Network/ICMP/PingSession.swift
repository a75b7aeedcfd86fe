/// A successful echo: the round-trip time and what came back.
public struct PingReply: Equatable {
    public var from: IPv4Address
    public var sequence: UInt16
    public var roundTripMilliseconds: UInt64
    public var ttl: UInt8
    public var payloadSize: Int
}

/// One echo request in flight; a `ping` command polls `isComplete` and reads `result`.
public final class PingSession {
    public let destination: IPv4Address
    public let identifier: UInt16
    public let sequence: UInt16
    public let sentAt: UInt64
    let deadline: UInt64
    public private(set) var result: Result<PingReply, NetworkError>?
    public var isComplete: Bool { result != nil }

    init(destination: IPv4Address, identifier: UInt16, sequence: UInt16, sentAt: UInt64, deadline: UInt64) {
        self.destination = destination
        self.identifier = identifier
        self.sequence = sequence
        self.sentAt = sentAt
        self.deadline = deadline
    }

    static func create(destination: IPv4Address, identifier: UInt16, sequence: UInt16, now: UInt64, timeout: UInt64) -> PingSession {
        PingSession(destination: destination, identifier: identifier, sequence: sequence, sentAt: now, deadline: now &+ timeout)
    }

    func complete(_ outcome: Result<PingReply, NetworkError>) {
        if result == nil { result = outcome }
    }
}
