/// A UDP datagram (RFC 768). The checksum covers a pseudo-header, so parsing and
/// building need the IPv4 addresses.

import Wire
public struct UDPDatagram: Equatable {
    public static let headerSize = 8

    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var payload: [UInt8]

    public init(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.payload = payload
    }

    public enum ParseError: Error, Equatable {
        case truncated, badLength, badChecksum
        public var message: String {
            switch self {
            case .truncated: return "UDP datagram shorter than its header"
            case .badLength: return "UDP length disagrees with the IPv4 payload"
            case .badChecksum: return "UDP checksum wrong"
            }
        }
    }

    /// Offset of the checksum field in the header.
    public static let checksumOffset = 6

    /// Checks the length field against the IPv4 payload and the checksum (0 means
    /// none was sent); `checksumVerified` (the device checked it) skips the latter.
    public static func parse(_ bytes: UnsafeRawBufferPointer, source: IPv4Address, destination: IPv4Address,
                             checksumVerified: Bool = false) throws(ParseError) -> UDPDatagram {
        guard bytes.count >= headerSize, let sourcePort = bytes.bigEndianUInt16(at: 0),
              let destinationPort = bytes.bigEndianUInt16(at: 2), let length = bytes.bigEndianUInt16(at: 4),
              let sum = bytes.bigEndianUInt16(at: 6) else { throw .truncated }
        guard Int(length) >= headerSize, Int(length) <= bytes.count else { throw .badLength }
        let datagram = UnsafeRawBufferPointer(rebasing: bytes[0 ..< Int(length)])
        if sum != 0 && !checksumVerified {
            var checksum = InternetChecksum()
            checksum.addPseudoHeader(source: source, destination: destination, protocol: IPv4Header.protocolUDP, length: Int(length))
            checksum.add(datagram)
            guard checksum.verifies else { throw .badChecksum }
        }
        return UDPDatagram(sourcePort: sourcePort, destinationPort: destinationPort, payload: Array(datagram[headerSize...]))
    }

    /// Header + payload with the checksum computed (a computed 0 is sent as
    /// 0xFFFF), or with `partialChecksum` only the pseudo-header's sum, for a
    /// device that finishes it (checksum offload).
    public func bytes(source: IPv4Address, destination: IPv4Address, partialChecksum: Bool = false) -> [UInt8] {
        let length = Self.headerSize + payload.count
        var out: [UInt8] = []
        out.reserveCapacity(length)
        out.appendBigEndian(sourcePort)
        out.appendBigEndian(destinationPort)
        out.appendBigEndian(UInt16(truncatingIfNeeded: length))
        out.appendBigEndian(UInt16(0))
        out += payload
        var checksum = InternetChecksum()
        checksum.addPseudoHeader(source: source, destination: destination, protocol: IPv4Header.protocolUDP, length: length)
        if partialChecksum {
            out.storeBigEndian(checksum.partialValue, at: Self.checksumOffset)
            return out
        }
        checksum.add(out)
        let value = checksum.value
        out.storeBigEndian(value == 0 ? 0xFFFF : value, at: Self.checksumOffset)
        return out
    }
}
