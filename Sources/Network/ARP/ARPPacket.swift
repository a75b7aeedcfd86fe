/// An ARP packet for IPv4 over Ethernet (RFC 826): the only kind the stack speaks.

import Wire
public struct ARPPacket: Equatable {
    public static let size = 28
    public static let request: UInt16 = 1
    public static let reply: UInt16 = 2

    public var operation: UInt16
    public var senderMAC: MACAddress
    public var senderIP: IPv4Address
    public var targetMAC: MACAddress
    public var targetIP: IPv4Address

    public init(operation: UInt16, senderMAC: MACAddress, senderIP: IPv4Address, targetMAC: MACAddress, targetIP: IPv4Address) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// nil for anything but Ethernet/IPv4 request or reply with the right sizes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ARPPacket? {
        guard bytes.count >= size,
              bytes.bigEndianUInt16(at: 0) == 1, bytes.bigEndianUInt16(at: 2) == 0x0800,
              bytes[4] == 6, bytes[5] == 4,
              let operation = bytes.bigEndianUInt16(at: 6), operation == request || operation == reply,
              let senderMAC = MACAddress(bytes, at: 8), let senderIP = bytes.bigEndianUInt32(at: 14),
              let targetMAC = MACAddress(bytes, at: 18), let targetIP = bytes.bigEndianUInt32(at: 24)
        else { return nil }
        return ARPPacket(operation: operation, senderMAC: senderMAC, senderIP: IPv4Address(senderIP),
                         targetMAC: targetMAC, targetIP: IPv4Address(targetIP))
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.size)
        out.appendBigEndian(UInt16(1))
        out.appendBigEndian(UInt16(0x0800))
        out.append(6)
        out.append(4)
        out.appendBigEndian(operation)
        out += senderMAC.array
        out.appendBigEndian(senderIP.value)
        out += targetMAC.array
        out.appendBigEndian(targetIP.value)
        return out
    }
}
