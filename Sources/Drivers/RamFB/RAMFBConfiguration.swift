// ramfb: QEMU's "early boot framebuffer in guest ram, configured using fw_cfg"
// (hw/display/ramfb.c). The guest allocates the pixels in its RAM and writes a
// 28-byte big-endian RAMFBCfg to the fw_cfg file "etc/ramfb" with a DMA write
// (`FwCfgDMAAccess.write`, all 28 bytes at offset 0: QEMU re-reads the whole
// structure after every write, so a partial write applies a half-updated one):
//
//     struct QEMU_PACKED RAMFBCfg {
//         uint64_t addr;    /* guest physical address of the first pixel */
//         uint32_t fourcc;  /* DRM fourcc, e.g. XRGB8888 'XR24' */
//         uint32_t flags;   /* unused by QEMU; 0 */
//         uint32_t width;
//         uint32_t height;
//         uint32_t stride;  /* bytes per line; 0 = width * bytes per pixel */
//     };
//
// QEMU's checks (ramfb_create_display_surface): 16 ≤ width ≤ VBE_DISPI_MAX_XRES
// (16000), 16 ≤ height ≤ VBE_DISPI_MAX_YRES (12000), a fourcc pixman knows;
// recent QEMU (10.x, not yet 7.2) also wants stride ≥ width × 4, a multiple of 4 and
// stride ≤ INT_MAX / height; and the range addr … addr + stride × (height − 1) +
// width × 4 must map as contiguous guest RAM. A configuration failing any of them
// is dropped **silently** (the fw_cfg write itself still succeeds, the display
// keeps its old surface), so Lumen checks everything first and reports why.
// QEMU needs fw_cfg with DMA for ramfb ("ramfb device requires fw_cfg with DMA").

import Wire

/// Why a ramfb configuration was refused.
public enum RAMFBError: Error, Equatable {
    case widthOutOfRange(width: Int)
    case heightOutOfRange(height: Int)
    /// Bytes per line fewer than width × 4.
    case strideTooSmall(stride: Int, minimum: Int)
    /// Bytes per line not a multiple of 4.
    case strideMisaligned(stride: Int)
    /// stride × height does not fit QEMU's int (2^31 − 1).
    case framebufferTooLarge(bytes: Int)
    /// Address 0 (not RAM on any QEMU machine Lumen runs on).
    case addressZero
    /// The framebuffer would wrap around the 64-bit address space.
    case addressOverflow(address: UInt64, bytes: Int)
    /// Not XRGB8888, the only format Lumen uses.
    case unsupportedFormat(fourcc: UInt32)
    /// An encoded RAMFBCfg is 28 bytes.
    case bufferTooShort(count: Int)

    public var message: String {
        switch self {
        case .widthOutOfRange(let width):
            return "ramfb: width \(width) is outside \(RAMFBConfiguration.minimumWidth)...\(RAMFBConfiguration.maximumWidth)"
        case .heightOutOfRange(let height):
            return "ramfb: height \(height) is outside \(RAMFBConfiguration.minimumHeight)...\(RAMFBConfiguration.maximumHeight)"
        case .strideTooSmall(let stride, let minimum):
            return "ramfb: stride \(stride) is less than width x 4 = \(minimum)"
        case .strideMisaligned(let stride):
            return "ramfb: stride \(stride) is not a multiple of 4"
        case .framebufferTooLarge(let bytes):
            return "ramfb: the framebuffer would be \(bytes) bytes, more than QEMU accepts (2147483647)"
        case .addressZero:
            return "ramfb: the framebuffer address is 0"
        case .addressOverflow(let address, let bytes):
            return "ramfb: \(bytes) bytes at address \(address) run past the end of the address space"
        case .unsupportedFormat(let fourcc):
            return "ramfb: pixel format \(fourcc) is not XRGB8888 (0x34325258)"
        case .bufferTooShort(let count):
            return "ramfb: RAMFBCfg is 28 bytes, not \(count)"
        }
    }
}

/// A validated ramfb configuration (always XRGB8888, flags 0).
public struct RAMFBConfiguration: Equatable {
    /// The fw_cfg file QEMU's ramfb device registers.
    public static let fileName = "etc/ramfb"
    /// Bytes of the encoded RAMFBCfg.
    public static let size = 28
    /// DRM_FORMAT_XRGB8888, fourcc 'X','R','2','4' little-endian: pixels are
    /// little-endian 32-bit words 0x00RRGGBB (bytes B, G, R, X).
    public static let fourccXRGB8888: UInt32 = 0x3432_5258
    public static let bytesPerPixel = 4
    /// QEMU's limits (VBE_DISPI_MAX_XRES / _YRES, and its minimum of 16).
    public static let minimumWidth = 16
    public static let maximumWidth = 16000
    public static let minimumHeight = 16
    public static let maximumHeight = 12000
    /// QEMU keeps stride × height in an int.
    public static let maximumBytes = Int(Int32.max)

    public let address: UInt64
    public let width: Int
    public let height: Int
    /// Bytes per line (never 0 here: the default width × 4 is filled in).
    public let stride: Int
    public var fourcc: UInt32 { RAMFBConfiguration.fourccXRGB8888 }
    public var flags: UInt32 { 0 }

    /// Bytes to allocate: stride × height (QEMU maps stride × (height − 1) + width × 4).
    public var byteCount: Int { stride * height }

    /// Checks the configuration against QEMU's rules (see the top of this file)
    /// and Lumen's: a non-zero address, no wrap-around. `stride` nil = width × 4.
    public init(address: UInt64, width: Int, height: Int, stride: Int? = nil) throws(RAMFBError) {
        guard width >= RAMFBConfiguration.minimumWidth && width <= RAMFBConfiguration.maximumWidth else {
            throw .widthOutOfRange(width: width)
        }
        guard height >= RAMFBConfiguration.minimumHeight && height <= RAMFBConfiguration.maximumHeight else {
            throw .heightOutOfRange(height: height)
        }
        let minimum = width * RAMFBConfiguration.bytesPerPixel
        let stride = stride ?? minimum
        guard stride >= minimum else { throw .strideTooSmall(stride: stride, minimum: minimum) }
        guard stride % 4 == 0 else { throw .strideMisaligned(stride: stride) }
        // stride ≤ Int32.max here would still let stride × height overflow Int on
        // 32-bit hosts; compare by division instead.
        guard stride <= RAMFBConfiguration.maximumBytes / height else {
            throw .framebufferTooLarge(bytes: stride > Int.max / height ? Int.max : stride * height)
        }
        guard address != 0 else { throw .addressZero }
        let bytes = stride * height
        guard address <= UInt64.max - UInt64(bytes) else { throw .addressOverflow(address: address, bytes: bytes) }
        self.address = address
        self.width = width
        self.height = height
        self.stride = stride
    }

    /// Writes the 28 big-endian bytes at the start of `bytes`.
    public func encode(into bytes: UnsafeMutableRawBufferPointer) throws(RAMFBError) {
        guard bytes.count >= RAMFBConfiguration.size else { throw .bufferTooShort(count: bytes.count) }
        BigEndian.store(address, into: bytes, at: 0)
        BigEndian.store(fourcc, into: bytes, at: 8)
        BigEndian.store(flags, into: bytes, at: 12)
        BigEndian.store(UInt32(width), into: bytes, at: 16)
        BigEndian.store(UInt32(height), into: bytes, at: 20)
        BigEndian.store(UInt32(stride), into: bytes, at: 24)
    }

    /// The 28 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: RAMFBConfiguration.size)
        // Exactly `size` bytes: `encode` cannot refuse them.
        out.withUnsafeMutableBytes { raw in _ = try? encode(into: raw) }
        return out
    }

    /// Decodes and checks an encoded RAMFBCfg (e.g. read back from "etc/ramfb").
    /// A stride of 0 means width × 4, as in QEMU.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(RAMFBError) {
        guard bytes.count >= RAMFBConfiguration.size else { throw .bufferTooShort(count: bytes.count) }
        let fourcc = BigEndian.u32(bytes, at: 8)
        guard fourcc == RAMFBConfiguration.fourccXRGB8888 else { throw .unsupportedFormat(fourcc: fourcc) }
        let stride = BigEndian.u32(bytes, at: 24)
        try self.init(address: BigEndian.u64(bytes, at: 0),
                      width: Int(BigEndian.u32(bytes, at: 16)),
                      height: Int(BigEndian.u32(bytes, at: 20)),
                      stride: stride == 0 ? nil : Int(stride))
    }
}
