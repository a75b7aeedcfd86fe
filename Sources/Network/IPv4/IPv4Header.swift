/// The fixed part of an IPv4 header (RFC 791) and the checks a received one must pass.

import Wire
public struct IPv4Header: Equatable {
    public static let minimumSize = 20
    public static let protocolICMP: UInt8 = 1
    public static let protocolTCP: UInt8 = 6
    public static let protocolUDP: UInt8 = 17
    static let flagDontFragment: UInt16 = 0x4000
    static let flagMoreFragments: UInt16 = 0x2000

    public var headerLength: Int
    public var totalLength: Int
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// In bytes (the wire carries 8-byte units).
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var protocolNumber: UInt8
    public var source: IPv4Address
    public var destination: IPv4Address

    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// Why a received header was rejected.
    public enum ParseError: Error, Equatable {
        case truncated, badVersion, badHeaderLength, badTotalLength, badChecksum

        public var message: String {
            switch self {
            case .truncated: return "IPv4 packet shorter than its header"
            case .badVersion: return "not IPv4"
            case .badHeaderLength: return "IPv4 header length out of range"
            case .badTotalLength: return "IPv4 total length disagrees with the frame"
            case .badChecksum: return "IPv4 header checksum wrong"
            }
        }
    }

    /// Checks version, IHL, total length against what arrived (Ethernet padding
    /// after `totalLength` is allowed) and the header checksum.
    public static func parse(_ packet: UnsafeRawBufferPointer) throws(ParseError) -> IPv4Header {
        guard packet.count >= minimumSize else { throw .truncated }
        guard packet[0] >> 4 == 4 else { throw .badVersion }
        let headerLength = Int(packet[0] & 0x0F) * 4
        guard headerLength >= minimumSize, headerLength <= packet.count else { throw .badHeaderLength }
        guard let total = packet.bigEndianUInt16(at: 2), Int(total) >= headerLength, Int(total) <= packet.count else {
            throw .badTotalLength
        }
        var checksum = InternetChecksum()
        checksum.add(UnsafeRawBufferPointer(rebasing: packet[0 ..< headerLength]))
        guard checksum.verifies else { throw .badChecksum }
        let flags = packet.bigEndianUInt16(at: 6) ?? 0
        return IPv4Header(
            headerLength: headerLength, totalLength: Int(total), identification: packet.bigEndianUInt16(at: 4) ?? 0,
            dontFragment: flags & flagDontFragment != 0, moreFragments: flags & flagMoreFragments != 0,
            fragmentOffset: Int(flags & 0x1FFF) * 8, ttl: packet[8], protocolNumber: packet[9],
            source: IPv4Address(packet.bigEndianUInt32(at: 12) ?? 0),
            destination: IPv4Address(packet.bigEndianUInt32(at: 16) ?? 0))
    }

    /// A 20-byte header (no options) with its checksum, followed by `payload`.
    public static func buildDatagram(source: IPv4Address, destination: IPv4Address, protocolNumber: UInt8,
                                     identification: UInt16, ttl: UInt8 = 64, dontFragment: Bool = true,
                                     payload: [UInt8]) -> [UInt8] {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(minimumSize + payload.count)
        datagram.append(0x45)
        datagram.append(0)
        datagram.appendBigEndian(UInt16(truncatingIfNeeded: minimumSize + payload.count))
        datagram.appendBigEndian(identification)
        datagram.appendBigEndian(dontFragment ? flagDontFragment : UInt16(0))
        datagram.append(ttl)
        datagram.append(protocolNumber)
        datagram.appendBigEndian(UInt16(0))
        datagram.appendBigEndian(source.value)
        datagram.appendBigEndian(destination.value)
        var checksum = InternetChecksum()
        checksum.add(datagram)
        datagram.storeBigEndian(checksum.value, at: 10)
        datagram += payload
        return datagram
    }
}
