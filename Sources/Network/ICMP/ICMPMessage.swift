/// The ICMP messages the stack understands (RFC 792): echo request/reply and
/// destination unreachable; other types are parsed generically and ignored.

import Wire
public struct ICMPMessage: Equatable {
    public static let typeEchoReply: UInt8 = 0
    public static let typeDestinationUnreachable: UInt8 = 3
    public static let typeEchoRequest: UInt8 = 8
    public static let typeTimeExceeded: UInt8 = 11

    public var type: UInt8
    public var code: UInt8
    /// Bytes 4..<8: identifier and sequence for echo, unused/next-hop MTU for errors.
    public var restOfHeader: UInt32
    public var body: [UInt8]

    public var identifier: UInt16 { UInt16(truncatingIfNeeded: restOfHeader >> 16) }
    public var sequence: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }

    public init(type: UInt8, code: UInt8, restOfHeader: UInt32, body: [UInt8]) {
        self.type = type
        self.code = code
        self.restOfHeader = restOfHeader
        self.body = body
    }

    public static func echo(request: Bool, identifier: UInt16, sequence: UInt16, payload: [UInt8]) -> ICMPMessage {
        ICMPMessage(type: request ? typeEchoRequest : typeEchoReply, code: 0,
                    restOfHeader: UInt32(identifier) << 16 | UInt32(sequence), body: payload)
    }

    public enum ParseError: Error, Equatable {
        case truncated, badChecksum
        public var message: String { self == .truncated ? "ICMP message truncated" : "ICMP checksum wrong" }
    }

    /// `checksumVerified`: the device vouched for it (checksum offload); not summed again.
    public static func parse(_ bytes: UnsafeRawBufferPointer, checksumVerified: Bool = false) throws(ParseError) -> ICMPMessage {
        guard bytes.count >= 8, let rest = bytes.bigEndianUInt32(at: 4) else { throw .truncated }
        if !checksumVerified {
            var checksum = InternetChecksum()
            checksum.add(bytes)
            guard checksum.verifies else { throw .badChecksum }
        }
        return ICMPMessage(type: bytes[0], code: bytes[1], restOfHeader: rest, body: Array(bytes[8...]))
    }

    /// Type, code, checksum, rest of header, body.
    public var bytes: [UInt8] {
        var out: [UInt8] = [type, code, 0, 0]
        out.reserveCapacity(8 + body.count)
        out.appendBigEndian(restOfHeader)
        out += body
        var checksum = InternetChecksum()
        checksum.add(out)
        out.storeBigEndian(checksum.value, at: 2)
        return out
    }
}
