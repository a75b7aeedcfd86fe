/// Ethernet II framing: 6-byte destination, 6-byte source, 2-byte EtherType.
/// The FCS is the device's business (virtio-net neither gives nor wants it).

import Wire
public struct EthernetHeader: Equatable {
    public static let size = 14
    public static let typeIPv4: UInt16 = 0x0800
    public static let typeARP: UInt16 = 0x0806

    public var destination: MACAddress
    public var source: MACAddress
    public var etherType: UInt16

    public init(destination: MACAddress, source: MACAddress, etherType: UInt16) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    /// nil when the frame is shorter than a header. 802.1Q tags and 802.3 length
    /// fields come back as their raw EtherType value; the stack drops them.
    public static func parse(_ frame: UnsafeRawBufferPointer) -> EthernetHeader? {
        guard let destination = MACAddress(frame, at: 0), let source = MACAddress(frame, at: 6),
              let type = frame.bigEndianUInt16(at: 12) else { return nil }
        return EthernetHeader(destination: destination, source: source, etherType: type)
    }

    /// Header + payload, ready for `transmit`.
    public static func build(destination: MACAddress, source: MACAddress, etherType: UInt16, payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(size + payload.count)
        frame += destination.array
        frame += source.array
        frame.appendBigEndian(etherType)
        frame += payload
        return frame
    }
}
