/// virtio-gpu's control protocol (VirtIO 1.2 §5.7.6): command and response types,
/// and the byte layout of the structures Lumen sends. Every structure starts with
/// the 24-byte control header; all fields are little-endian.
public enum GPUCommand {
    public static let getDisplayInfo: UInt32 = 0x0100
    public static let resourceCreate2D: UInt32 = 0x0101
    public static let resourceUnref: UInt32 = 0x0102
    public static let setScanout: UInt32 = 0x0103
    public static let resourceFlush: UInt32 = 0x0104
    public static let transferToHost2D: UInt32 = 0x0105
    public static let resourceAttachBacking: UInt32 = 0x0106
    public static let resourceDetachBacking: UInt32 = 0x0107
    public static let getEDID: UInt32 = 0x010a
    public static let updateCursor: UInt32 = 0x0300
    public static let moveCursor: UInt32 = 0x0301

    public static let okNoData: UInt32 = 0x1100
    public static let okDisplayInfo: UInt32 = 0x1101
    public static let okEDID: UInt32 = 0x1104

    /// `VIRTIO_GPU_FLAG_FENCE`: the device answers only when the command is done.
    public static let flagFence: UInt32 = 1
    /// `B8G8R8X8_UNORM`: bytes B, G, R, X — a little-endian 0x00RRGGBB word, XRGB8888.
    public static let formatB8G8R8X8: UInt32 = 2
    /// `B8G8R8A8_UNORM`: as above with alpha, for the cursor image.
    public static let formatB8G8R8A8: UInt32 = 1

    public static let headerSize = 24
    public static let maximumScanouts = 16
    /// `VIRTIO_GPU_EVENT_DISPLAY` in the config's events_read.
    public static let eventDisplay: UInt32 = 1

    /// The response type in words, for the log.
    public static func responseName(_ type: UInt32) -> StaticString {
        switch type {
        case 0x1100: return "OK_NODATA"
        case 0x1101: return "OK_DISPLAY_INFO"
        case 0x1102: return "OK_CAPSET_INFO"
        case 0x1103: return "OK_CAPSET"
        case 0x1104: return "OK_EDID"
        case 0x1200: return "ERR_UNSPEC"
        case 0x1201: return "ERR_OUT_OF_MEMORY"
        case 0x1202: return "ERR_INVALID_SCANOUT_ID"
        case 0x1203: return "ERR_INVALID_RESOURCE_ID"
        case 0x1204: return "ERR_INVALID_CONTEXT_ID"
        case 0x1205: return "ERR_INVALID_PARAMETER"
        default: return "unknown response"
        }
    }
}

/// virtio-gpu device configuration (§5.7.4).
enum GPUConfig {
    static let eventsRead = 0
    static let eventsClear = 4
    static let numberOfScanouts = 8
}

/// A scanout as GET_DISPLAY_INFO reports it.
public struct GPUScanout: Equatable {
    public var index: Int
    public var width: Int
    public var height: Int
    public var enabled: Bool
}

/// Builds command structures in a DMA buffer.
struct GPUCommandWriter {
    let base: UnsafeMutableRawPointer
    var offset = 0

    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    mutating func header(_ type: UInt32, flags: UInt32 = 0, fence: UInt64 = 0) {
        u32(type); u32(flags); u64(fence); u32(0); u32(0)  // ctx_id, ring_idx + padding
    }
    mutating func u32(_ value: UInt32) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
        offset += 4
    }
    mutating func u64(_ value: UInt64) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
        offset += 8
    }
    mutating func rect(x: Int, y: Int, width: Int, height: Int) {
        u32(UInt32(truncatingIfNeeded: x)); u32(UInt32(truncatingIfNeeded: y))
        u32(UInt32(truncatingIfNeeded: width)); u32(UInt32(truncatingIfNeeded: height))
    }
}
