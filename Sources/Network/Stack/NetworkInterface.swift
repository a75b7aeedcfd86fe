/// What the stack needs from a network device (virtio-net in the kernel, a
/// scripted peer in tests). Class-bound so the stack can hold it without copying.

import Wire
public protocol NetworkInterface: AnyObject {
    var macAddress: MACAddress { get }
    /// Largest IPv4 datagram (Ethernet payload) the device carries, normally 1500.
    var mtu: Int { get }
    /// Queues one whole Ethernet frame; false when the device could not take it.
    func transmit(_ frame: [UInt8]) -> Bool

    /// The device completes TCP and UDP checksums (virtio-net's CSUM). The
    /// stack then builds those with only the pseudo-header sum in the checksum
    /// field and sends them with `transmit(_:checksumOffload:)`. Default: false.
    var offloadsChecksums: Bool { get }
    /// Queues a frame whose checksum the device finishes (see `ChecksumOffload`).
    /// The default finishes it in software and calls `transmit(_:)`.
    func transmit(_ frame: [UInt8], checksumOffload: ChecksumOffload) -> Bool
}

extension NetworkInterface {
    public var offloadsChecksums: Bool { false }

    public func transmit(_ frame: [UInt8], checksumOffload: ChecksumOffload) -> Bool {
        var frame = frame
        guard checksumOffload.complete(&frame) else { return false }
        return transmit(frame)
    }
}

/// Where a device is to put a checksum (virtio-net's NEEDS_CSUM): the ones'
/// complement sum of the frame from `start` to its end goes, complemented, to
/// `start + offset`, where the stack left the folded pseudo-header sum.
public struct ChecksumOffload: Equatable {
    /// Offset in the frame of the first byte summed (the TCP or UDP header).
    public let start: Int
    /// Offset of the checksum field from `start` (16 for TCP, 6 for UDP).
    public let offset: Int

    public init(start: Int, offset: Int) {
        self.start = start
        self.offset = offset
    }

    /// Does what the device would: fills in the checksum (the helper the
    /// virtio-net driver uses too). False when the field lies outside the frame.
    public func complete(_ frame: inout [UInt8]) -> Bool {
        frame.withUnsafeMutableBytes { InternetChecksum.complete($0, start: start, offset: offset) }
    }
}
