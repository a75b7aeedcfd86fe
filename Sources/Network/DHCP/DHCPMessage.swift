/// A BOOTP/DHCP message (RFC 2131, options RFC 2132), reduced to the fields a
/// client uses. Parsing is strict about the fixed part and forgiving about
/// options: an option with a bad length is ignored, one running past the end ends parsing.

import Wire
public struct DHCPMessage: Equatable {
    public static let serverPort: UInt16 = 67
    public static let clientPort: UInt16 = 68
    static let fixedSize = 236
    static let magicCookie: UInt32 = 0x6382_5363

    public enum MessageType: UInt8 {
        case discover = 1, offer, request, decline, ack, nak, release, inform
    }

    public var operation: UInt8            // 1 request, 2 reply
    public var transactionID: UInt32
    public var seconds: UInt16 = 0
    public var broadcastFlag: Bool = false
    public var clientAddress: IPv4Address = .any      // ciaddr
    public var yourAddress: IPv4Address = .any        // yiaddr
    public var clientMAC: MACAddress
    public var messageType: MessageType?
    public var subnetMask: IPv4Address?
    public var routers: [IPv4Address] = []
    public var dnsServers: [IPv4Address] = []
    public var leaseTime: UInt32?
    public var renewalTime: UInt32?                  // T1
    public var rebindingTime: UInt32?                // T2
    public var serverIdentifier: IPv4Address?
    public var requestedAddress: IPv4Address?

    public init(operation: UInt8, transactionID: UInt32, clientMAC: MACAddress, messageType: MessageType?) {
        self.operation = operation
        self.transactionID = transactionID
        self.clientMAC = clientMAC
        self.messageType = messageType
    }

    public enum ParseError: Error, Equatable {
        case truncated, notEthernet, badMagicCookie
        public var message: String {
            switch self {
            case .truncated: return "DHCP message truncated"
            case .notEthernet: return "DHCP message is not for Ethernet"
            case .badMagicCookie: return "DHCP magic cookie missing"
            }
        }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> DHCPMessage {
        guard bytes.count >= fixedSize + 4, let xid = bytes.bigEndianUInt32(at: 4),
              let mac = MACAddress(bytes, at: 28) else { throw .truncated }
        guard bytes[1] == 1, bytes[2] == 6 else { throw .notEthernet }
        guard bytes.bigEndianUInt32(at: fixedSize) == magicCookie else { throw .badMagicCookie }
        var message = DHCPMessage(operation: bytes[0], transactionID: xid, clientMAC: mac, messageType: nil)
        message.seconds = bytes.bigEndianUInt16(at: 8) ?? 0
        message.broadcastFlag = (bytes.bigEndianUInt16(at: 10) ?? 0) & 0x8000 != 0
        message.clientAddress = IPv4Address(bytes.bigEndianUInt32(at: 12) ?? 0)
        message.yourAddress = IPv4Address(bytes.bigEndianUInt32(at: 16) ?? 0)
        var offset = fixedSize + 4
        while offset < bytes.count {
            let code = bytes[offset]
            if code == 0 { offset += 1; continue }
            if code == 255 { break }
            guard offset + 1 < bytes.count else { break }
            let length = Int(bytes[offset + 1])
            let start = offset + 2
            guard start + length <= bytes.count else { break }
            let value = UnsafeRawBufferPointer(rebasing: bytes[start ..< start + length])
            message.apply(option: code, value: value)
            offset = start + length
        }
        return message
    }

    private mutating func apply(option code: UInt8, value: UnsafeRawBufferPointer) {
        func address() -> IPv4Address? { value.count == 4 ? value.bigEndianUInt32(at: 0).map(IPv4Address.init) : nil }
        func addresses() -> [IPv4Address] {
            guard value.count >= 4, value.count % 4 == 0 else { return [] }
            var list: [IPv4Address] = []
            var index = 0
            while index + 4 <= value.count {
                if let raw = value.bigEndianUInt32(at: index) { list.append(IPv4Address(raw)) }
                index += 4
            }
            return list
        }
        func seconds() -> UInt32? { value.count == 4 ? value.bigEndianUInt32(at: 0) : nil }
        switch code {
        case 1: subnetMask = address()
        case 3: routers = addresses()
        case 6: dnsServers = addresses()
        case 50: requestedAddress = address()
        case 51: leaseTime = seconds()
        case 53: if value.count == 1 { messageType = MessageType(rawValue: value[0]) }
        case 54: serverIdentifier = address()
        case 58: renewalTime = seconds()
        case 59: rebindingTime = seconds()
        default: break
        }
    }

    /// The message as sent on the wire (padded to the 300-byte BOOTP minimum).
    public var bytes: [UInt8] {
        var out: [UInt8] = [operation, 1, 6, 0]
        out.reserveCapacity(300)
        out.appendBigEndian(transactionID)
        out.appendBigEndian(seconds)
        out.appendBigEndian(broadcastFlag ? UInt16(0x8000) : UInt16(0))
        out.appendBigEndian(clientAddress.value)
        out.appendBigEndian(yourAddress.value)
        out.appendBigEndian(UInt32(0))   // siaddr
        out.appendBigEndian(UInt32(0))   // giaddr
        out += clientMAC.array
        out += [UInt8](repeating: 0, count: 10 + 64 + 128)
        out.appendBigEndian(Self.magicCookie)
        func option(_ code: UInt8, _ value: [UInt8]) {
            out.append(code)
            out.append(UInt8(truncatingIfNeeded: value.count))
            out += value
        }
        func word(_ value: UInt32) -> [UInt8] { IPv4Address(value).bytes }
        if let messageType { option(53, [messageType.rawValue]) }
        if let requestedAddress { option(50, requestedAddress.bytes) }
        if let serverIdentifier { option(54, serverIdentifier.bytes) }
        if let subnetMask { option(1, subnetMask.bytes) }
        if !routers.isEmpty { option(3, routers.flatMap { $0.bytes }) }
        if !dnsServers.isEmpty { option(6, dnsServers.flatMap { $0.bytes }) }
        if let leaseTime { option(51, word(leaseTime)) }
        if let renewalTime { option(58, word(renewalTime)) }
        if let rebindingTime { option(59, word(rebindingTime)) }
        if operation == 1 {
            option(61, [1] + clientMAC.array)          // client identifier
            option(55, [1, 3, 6, 51, 54, 58, 59])      // parameter request list
        }
        out.append(255)
        if out.count < 300 { out += [UInt8](repeating: 0, count: 300 - out.count) }
        return out
    }
}
