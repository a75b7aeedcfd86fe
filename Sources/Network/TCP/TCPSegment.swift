/// TCP header flags.

import Wire
public struct TCPFlags: OptionSet, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
}

/// One TCP segment, decoded or to encode. Parsing never traps: anything
/// malformed (short, a data offset outside the segment, bad options) gives nil.
public struct TCPSegment: Equatable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    public var flags: TCPFlags
    /// The raw 16-bit window field (unscaled).
    public var window: UInt16
    /// MSS option, if present.
    public var maximumSegmentSize: UInt16?
    /// Window-scale option (shift count), if present.
    public var windowScale: UInt8?
    public var payload: [UInt8]

    public static let protocolNumber: UInt8 = 6

    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32,
                flags: TCPFlags, window: UInt16, maximumSegmentSize: UInt16? = nil, windowScale: UInt8? = nil,
                payload: [UInt8] = []) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.payload = payload
    }

    /// Sequence space the segment occupies: payload plus one each for SYN and FIN.
    public var sequenceLength: Int {
        payload.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
    }

    /// Whether the checksum over `bytes` (header + data) verifies with the pseudo-header.
    public static func checksumVerifies(_ bytes: UnsafeRawBufferPointer, source: IPv4Address, destination: IPv4Address) -> Bool {
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocol: protocolNumber, length: bytes.count)
        sum.add(bytes)
        return sum.verifies
    }

    /// Decodes the header, options and payload (the checksum is checked separately).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> TCPSegment? {
        guard bytes.count >= 20,
              let sourcePort = bytes.bigEndianUInt16(at: 0),
              let destinationPort = bytes.bigEndianUInt16(at: 2),
              let sequence = bytes.bigEndianUInt32(at: 4),
              let acknowledgment = bytes.bigEndianUInt32(at: 8),
              let window = bytes.bigEndianUInt16(at: 14) else { return nil }
        let headerLength = Int(bytes[12] >> 4) * 4
        guard headerLength >= 20, headerLength <= bytes.count else { return nil }
        var segment = TCPSegment(sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: sequence,
                                 acknowledgmentNumber: acknowledgment, flags: TCPFlags(rawValue: bytes[13] & 0x3F),
                                 window: window)
        var offset = 20
        while offset < headerLength {
            let kind = bytes[offset]
            if kind == 0 { break }
            if kind == 1 { offset += 1; continue }
            guard offset + 1 < headerLength else { return nil }
            let length = Int(bytes[offset + 1])
            guard length >= 2, offset + length <= headerLength else { return nil }
            if kind == 2 && length == 4 {
                segment.maximumSegmentSize = bytes.bigEndianUInt16(at: offset + 2)
            } else if kind == 3 && length == 3 {
                segment.windowScale = bytes[offset + 2]
            }
            offset += length
        }
        segment.payload = Array(UnsafeRawBufferPointer(rebasing: bytes[headerLength...]))
        return segment
    }

    /// Offset of the checksum field in the header.
    public static let checksumOffset = 16

    /// The wire bytes, with the checksum computed over the pseudo-header, or with
    /// `partialChecksum` only the pseudo-header's sum, for a device that
    /// finishes it (checksum offload).
    public func encode(source: IPv4Address, destination: IPv4Address, partialChecksum: Bool = false) -> [UInt8] {
        var options: [UInt8] = []
        if let mss = maximumSegmentSize {
            options += [2, 4]
            options.appendBigEndian(mss)
        }
        if let shift = windowScale {
            options += [1, 3, 3, shift]
        }
        while options.count % 4 != 0 { options.append(0) }
        let headerLength = 20 + options.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerLength + payload.count)
        bytes.appendBigEndian(sourcePort)
        bytes.appendBigEndian(destinationPort)
        bytes.appendBigEndian(sequenceNumber)
        bytes.appendBigEndian(acknowledgmentNumber)
        bytes.append(UInt8(headerLength / 4) << 4)
        bytes.append(flags.rawValue)
        bytes.appendBigEndian(window)
        bytes.appendBigEndian(UInt16(0))  // checksum, filled below
        bytes.appendBigEndian(UInt16(0))  // urgent pointer
        bytes += options
        bytes += payload
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocol: TCPSegment.protocolNumber, length: bytes.count)
        if partialChecksum {
            bytes.storeBigEndian(sum.partialValue, at: TCPSegment.checksumOffset)
            return bytes
        }
        sum.add(bytes)
        bytes.storeBigEndian(sum.value, at: TCPSegment.checksumOffset)
        return bytes
    }
}
