/// VirtIO device IDs (§5) and their names.
public enum DeviceType {
    public static let network: UInt32 = 1
    public static let block: UInt32 = 2
    public static let console: UInt32 = 3
    public static let entropy: UInt32 = 4
    public static let balloon: UInt32 = 5
    public static let scsi: UInt32 = 8
    public static let gpu: UInt32 = 16
    public static let input: UInt32 = 18
    public static let socket: UInt32 = 19

    public static func name(_ id: UInt32) -> StaticString {
        switch id {
        case network: return "network"
        case block: return "block"
        case console: return "console"
        case entropy: return "entropy"
        case balloon: return "balloon"
        case scsi: return "scsi"
        case 9: return "9p"
        case gpu: return "gpu"
        case input: return "input"
        case socket: return "vsock"
        case 26: return "fs"
        case 42: return "sound"
        default: return "unknown"
        }
    }
}
