/// Feature bits, the device-independent ones (§6) and, by device type, the
/// device-specific ones, with names for the device table.
public struct Features: OptionSet, Equatable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(bit: Int) { rawValue = 1 << UInt64(bit) }

    public static let notifyOnEmpty = Features(bit: 24)
    public static let anyLayout = Features(bit: 27)
    public static let ringIndirectDescriptors = Features(bit: 28)
    public static let ringEventIndex = Features(bit: 29)
    public static let version1 = Features(bit: 32)
    public static let accessPlatform = Features(bit: 33)
    public static let ringPacked = Features(bit: 34)
    public static let inOrder = Features(bit: 35)

    public func contains(bit: Int) -> Bool { rawValue & (1 << UInt64(bit)) != 0 }

    /// The features' names, space-separated (unknown bits as `bit N`).
    public func names(deviceType: UInt32) -> String {
        var words: [String] = []
        for bit in 0..<64 where contains(bit: bit) {
            words.append(Features.name(bit: bit, deviceType: deviceType))
        }
        return words.isEmpty ? "none" : words.joined(separator: " ")
    }

    public static func name(bit: Int, deviceType: UInt32) -> String {
        switch bit {
        case 24: return "NOTIFY_ON_EMPTY"
        case 27: return "ANY_LAYOUT"
        case 28: return "INDIRECT_DESC"
        case 29: return "EVENT_IDX"
        case 32: return "VERSION_1"
        case 33: return "ACCESS_PLATFORM"
        case 34: return "RING_PACKED"
        case 35: return "IN_ORDER"
        case 36: return "ORDER_PLATFORM"
        case 37: return "SR_IOV"
        case 38: return "NOTIFICATION_DATA"
        default: break
        }
        let specific: [Int: String]
        switch deviceType {
        case DeviceType.network:
            specific = [0: "CSUM", 1: "GUEST_CSUM", 2: "CTRL_GUEST_OFFLOADS", 3: "MTU", 5: "MAC",
                        7: "GUEST_TSO4", 8: "GUEST_TSO6", 9: "GUEST_ECN", 10: "GUEST_UFO", 11: "HOST_TSO4",
                        12: "HOST_TSO6", 13: "HOST_ECN", 14: "HOST_UFO", 15: "MRG_RXBUF", 16: "STATUS",
                        17: "CTRL_VQ", 18: "CTRL_RX", 19: "CTRL_VLAN", 21: "GUEST_ANNOUNCE", 22: "MQ",
                        23: "CTRL_MAC_ADDR", 6: "GSO"]
        case DeviceType.block:
            specific = [1: "SIZE_MAX", 2: "SEG_MAX", 4: "GEOMETRY", 5: "RO", 6: "BLK_SIZE", 9: "FLUSH",
                        10: "TOPOLOGY", 11: "CONFIG_WCE", 12: "MQ", 13: "DISCARD", 14: "WRITE_ZEROES",
                        7: "SCSI", 15: "LIFETIME", 16: "SECURE_ERASE"]
        case DeviceType.gpu:
            specific = [0: "VIRGL", 1: "EDID", 2: "RESOURCE_UUID", 3: "RESOURCE_BLOB", 4: "CONTEXT_INIT"]
        default:
            specific = [:]
        }
        return specific[bit] ?? "bit \(bit)"
    }
}
