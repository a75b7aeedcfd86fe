// EDID (VESA E-EDID 1.3/1.4) parsing: the 128-byte base block a display (here
// QEMU's virtio-gpu, GET_EDID) describes itself with, plus just enough of the
// CTA-861 and DisplayID extension blocks to find the preferred mode when the base
// block has no detailed timing for it.
//
// What QEMU sends (hw/display/edid-generate.c, qemu_edid_generate, as built into
// QEMU 7.2 and later): virtio-gpu answers GET_EDID with a 1024-byte buffer (and
// says size = 1024) holding
//   - a base block, EDID 1.4, vendor "RHT", product 0x1234, serial 0, week 42 of
//     2014, digital input; the first descriptor is a detailed timing of the
//     configured xres×yres (default 1280×800) with made-up blanking (35 % of the
//     width, 3.5 % of the height) at 75 Hz unless the UI reports another rate;
//     then an established timings III descriptor (0xF7), range limits (0xFD:
//     50–125 Hz, 30–160 kHz, 2550 MHz) and the monitor name "QEMU Monitor" (0xFC);
//     standard timings 2048×1152, 1920×1080, 1920×1200, 1600×1200, 1680×1050,
//     1440×900, 1280×1024, 1280×960 (all 60 Hz); established 640×480, 800×600 and
//     1024×768 at 60 Hz;
//   - always one CTA-861 extension (tag 0x02, revision 3) with a video data
//     block (VICs 125, 101, 96, 89, 31, 97) followed by dummy descriptors;
//   - for a "large screen" (xres or yres ≥ 4096, or a pixel clock ≥ 655.36 MHz,
//     e.g. 3840×2160 at 75 Hz) a second extension, DisplayID 1.3 (tag 0x70) with
//     one type I detailed timing of the preferred mode, and then the base block
//     has no detailed timing at all (its 12-bit fields cannot hold the mode).
// The bytes after the last extension block are zero. (QEMU's VGA exposes the
// same generator's output in a 384-byte MMIO window.) Tests/DriversTests holds
// blobs captured from QEMU 7.2 and a Swift port of the generator that reproduces
// them byte for byte.
//
// Base block layout (E-EDID 1.4 §3): 0–7 header, 8–9 manufacturer (big-endian,
// three 5-bit letters), 10–11 product (little-endian), 12–15 serial (LE), 16 week,
// 17 year − 1990, 18 version, 19 revision, 20 video input, 21–22 screen size (cm),
// 23 gamma, 24 features, 25–34 chromaticity, 35–37 established timings I/II,
// 38–53 eight standard timings, 54–125 four 18-byte descriptors, 126 extension
// count, 127 checksum (all 128 bytes sum to 0 mod 256).

/// Why an EDID was rejected. Problems in extension blocks are not errors: the
/// block is skipped and `EDID.warnings` says why.
public enum EDIDError: Error, Equatable {
    /// Fewer than 128 bytes.
    case tooShort(count: Int)
    /// The first 8 bytes are not 00 FF FF FF FF FF FF 00.
    case badHeader
    /// The base block's 128 bytes sum to `sum`, not 0 (mod 256).
    case badChecksum(sum: UInt8)
    /// Byte 18 is not 1 (EDID 2.0 and later base blocks have another layout).
    case unsupportedVersion(version: UInt8, revision: UInt8)
    /// Byte 126 announces `extensions` blocks, which need `needed` bytes; only
    /// `available` were given.
    case truncatedExtensions(extensions: Int, needed: Int, available: Int)
    /// Detailed timing descriptor `descriptor` (0–3, in the base block) has a
    /// pixel clock but no active width or height.
    case zeroSizedTiming(descriptor: Int, width: Int, height: Int)
    /// Detailed timing descriptor `descriptor` cannot describe a real signal.
    case implausibleTiming(descriptor: Int, reason: String)

    public var message: String {
        switch self {
        case .tooShort(let count):
            return "EDID: \(count) bytes, but the base block alone is 128"
        case .badHeader:
            return "EDID: the header is not 00 FF FF FF FF FF FF 00"
        case .badChecksum(let sum):
            return "EDID: base block checksum is wrong (bytes sum to \(sum), not 0)"
        case .unsupportedVersion(let version, let revision):
            return "EDID: version \(version).\(revision) is not supported (only 1.x)"
        case .truncatedExtensions(let extensions, let needed, let available):
            return "EDID: \(extensions) extension block(s) announced, needing \(needed) bytes, but only \(available) given"
        case .zeroSizedTiming(let descriptor, let width, let height):
            return "EDID: detailed timing \(descriptor) has a pixel clock but a \(width)x\(height) active area"
        case .implausibleTiming(let descriptor, let reason):
            return "EDID: detailed timing \(descriptor) is implausible: " + reason
        }
    }
}

/// Where a mode came from.
public enum EDIDModeSource: Equatable {
    /// A detailed timing descriptor in the base block.
    case detailedTiming
    /// A detailed timing descriptor in a CTA-861 extension.
    case ctaDetailedTiming
    /// A detailed timing in a DisplayID extension (type I or VII).
    case displayIDTiming
    /// A CTA-861 video data block entry (a VIC).
    case ctaVideoIdentificationCode
    /// One of the eight standard timings (bytes 38–53).
    case standardTiming
    /// The established timings I/II bitmap (bytes 35–37).
    case establishedTiming
    /// An established timings III descriptor (tag 0xF7).
    case establishedTimingIII
}

/// A video mode: active size and refresh rate (rounded to whole Hz).
public struct EDIDMode: Equatable {
    public var width: Int
    public var height: Int
    public var refreshHz: Int
    public var source: EDIDModeSource

    public init(width: Int, height: Int, refreshHz: Int, source: EDIDModeSource) {
        self.width = width
        self.height = height
        self.refreshHz = refreshHz
        self.source = source
    }
}

/// A detailed timing: what the base block's 18-byte descriptors, a CTA
/// extension's descriptors and DisplayID's type I/VII timings describe.
public struct EDIDDetailedTiming: Equatable {
    /// Pixel clock in kHz.
    public var pixelClockKHz: UInt32
    public var horizontalActive: Int
    public var horizontalBlanking: Int
    public var horizontalFrontPorch: Int
    public var horizontalSyncWidth: Int
    public var verticalActive: Int
    public var verticalBlanking: Int
    public var verticalFrontPorch: Int
    public var verticalSyncWidth: Int
    /// Image size in millimetres (0 when not given).
    public var widthMillimetres: Int
    public var heightMillimetres: Int
    public var horizontalBorder: Int
    public var verticalBorder: Int
    public var interlaced: Bool
    /// Sync polarities (true = positive). For analog or composite sync, whatever
    /// the flags byte says about them.
    public var horizontalSyncPositive: Bool
    public var verticalSyncPositive: Bool

    public init(pixelClockKHz: UInt32, horizontalActive: Int, horizontalBlanking: Int,
                horizontalFrontPorch: Int, horizontalSyncWidth: Int,
                verticalActive: Int, verticalBlanking: Int,
                verticalFrontPorch: Int, verticalSyncWidth: Int,
                widthMillimetres: Int = 0, heightMillimetres: Int = 0,
                horizontalBorder: Int = 0, verticalBorder: Int = 0, interlaced: Bool = false,
                horizontalSyncPositive: Bool = false, verticalSyncPositive: Bool = false) {
        self.pixelClockKHz = pixelClockKHz
        self.horizontalActive = horizontalActive
        self.horizontalBlanking = horizontalBlanking
        self.horizontalFrontPorch = horizontalFrontPorch
        self.horizontalSyncWidth = horizontalSyncWidth
        self.verticalActive = verticalActive
        self.verticalBlanking = verticalBlanking
        self.verticalFrontPorch = verticalFrontPorch
        self.verticalSyncWidth = verticalSyncWidth
        self.widthMillimetres = widthMillimetres
        self.heightMillimetres = heightMillimetres
        self.horizontalBorder = horizontalBorder
        self.verticalBorder = verticalBorder
        self.interlaced = interlaced
        self.horizontalSyncPositive = horizontalSyncPositive
        self.verticalSyncPositive = verticalSyncPositive
    }

    public var horizontalTotal: Int { horizontalActive + horizontalBlanking }
    public var verticalTotal: Int { verticalActive + verticalBlanking }

    /// Frames (fields, if interlaced) per 1000 s: clock ÷ (htotal × vtotal).
    public var refreshMillihertz: Int {
        let pixels = UInt64(horizontalTotal) * UInt64(verticalTotal)
        if pixels == 0 { return 0 }
        return Int(UInt64(pixelClockKHz) * 1_000_000 / pixels)
    }

    /// `refreshMillihertz` rounded to whole Hz.
    public var refreshHz: Int { (refreshMillihertz + 500) / 1000 }

    /// The mode this timing shows. An interlaced timing's vertical fields count
    /// one field, so its frame is twice as high (the rate stays the field rate).
    public func mode(source: EDIDModeSource) -> EDIDMode {
        EDIDMode(width: horizontalActive, height: interlaced ? verticalActive * 2 : verticalActive,
                 refreshHz: refreshHz, source: source)
    }

    /// Why this timing cannot be a real signal, or nil if it can. Zero sync widths
    /// are accepted: QEMU writes them for very small modes (below 34 pixels wide or
    /// 200 lines high its 3 % and 0.5 % truncate to 0).
    public var implausibility: String? {
        if horizontalFrontPorch + horizontalSyncWidth > horizontalBlanking {
            return "horizontal front porch \(horizontalFrontPorch) + sync \(horizontalSyncWidth) exceed the blanking \(horizontalBlanking)"
        }
        if verticalFrontPorch + verticalSyncWidth > verticalBlanking {
            return "vertical front porch \(verticalFrontPorch) + sync \(verticalSyncWidth) exceed the blanking \(verticalBlanking)"
        }
        if refreshMillihertz < 1000 {
            return "a \(pixelClockKHz) kHz pixel clock refreshes \(horizontalTotal)x\(verticalTotal) pixels less than once a second"
        }
        return nil
    }
}

/// The display range limits descriptor (tag 0xFD).
public struct EDIDRangeLimits: Equatable {
    public var minimumVerticalHz: Int
    public var maximumVerticalHz: Int
    public var minimumHorizontalKHz: Int
    public var maximumHorizontalKHz: Int
    /// Maximum pixel clock in MHz (0 = not given).
    public var maximumPixelClockMHz: Int
    /// Byte 10: 0x00 default GTF, 0x01 range limits only, 0x02 secondary GTF, 0x04 CVT.
    public var timingSupport: UInt8

    public init(minimumVerticalHz: Int, maximumVerticalHz: Int, minimumHorizontalKHz: Int,
                maximumHorizontalKHz: Int, maximumPixelClockMHz: Int, timingSupport: UInt8) {
        self.minimumVerticalHz = minimumVerticalHz
        self.maximumVerticalHz = maximumVerticalHz
        self.minimumHorizontalKHz = minimumHorizontalKHz
        self.maximumHorizontalKHz = maximumHorizontalKHz
        self.maximumPixelClockMHz = maximumPixelClockMHz
        self.timingSupport = timingSupport
    }
}

/// A parsed EDID. See the top of this file for what QEMU's looks like.
public struct EDID {
    public static let blockSize = 128
    public static let header: [UInt8] = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]

    /// Byte 18 and 19: 1.3 or 1.4 in practice (QEMU: 1.4).
    public var version: UInt8
    public var revision: UInt8
    /// Three letters, e.g. "RHT" (Red Hat) for QEMU; a letter outside A–Z shows as "?".
    public var manufacturerID: String
    /// Bytes 8–9 as the big-endian word they are.
    public var manufacturerCode: UInt16
    public var productCode: UInt16
    public var serialNumber: UInt32
    /// Week 1–54, 0 = not given, 0xFF = `manufactureYear` is a model year.
    public var manufactureWeek: UInt8
    public var manufactureYear: Int
    /// Byte 20: bit 7 set = digital input.
    public var videoInput: UInt8
    public var isDigitalInput: Bool { videoInput & 0x80 != 0 }
    /// Bytes 21–22 (0 = unknown or an aspect ratio instead of a size).
    public var screenWidthCentimetres: Int
    public var screenHeightCentimetres: Int
    /// Byte 24: supported features.
    public var features: UInt8

    /// The base block's detailed timing descriptors, in order.
    public var detailedTimings: [EDIDDetailedTiming]
    /// Detailed timings from CTA-861 extension blocks.
    public var ctaDetailedTimings: [EDIDDetailedTiming]
    /// Detailed timings from DisplayID extension blocks.
    public var displayIDTimings: [EDIDDetailedTiming]
    /// The standard timings in use, in order.
    public var standardTimings: [EDIDMode]
    /// The established timings I/II and (from an 0xF7 descriptor) III that are set.
    public var establishedTimings: [EDIDMode]
    /// Video identification codes from CTA-861 video data blocks, in order.
    public var ctaVideoCodes: [UInt8]
    /// The modes of those codes Lumen knows (see `EDID.ctaMode(code:)`).
    public var ctaModes: [EDIDMode]
    /// The display's preferred mode: the first detailed timing in the base block
    /// (E-EDID 1.4 §3.10.2); without one, the first detailed timing of a CTA
    /// extension, then DisplayID's (the one marked preferred, else the first),
    /// then the first standard timing, then the largest established timing.
    public var preferredMode: EDIDMode?
    /// The timing behind `preferredMode` when it is a detailed one.
    public var preferredTiming: EDIDDetailedTiming?
    /// The monitor name descriptor (0xFC), e.g. "QEMU Monitor".
    public var monitorName: String?
    /// The serial number string descriptor (0xFF).
    public var serialString: String?
    public var rangeLimits: EDIDRangeLimits?
    /// Byte 126: the extension blocks announced.
    public var extensionCount: Int
    /// The tag of each extension block present (0x02 CTA-861, 0x70 DisplayID, …).
    public var extensionTags: [UInt8]
    /// Problems in extension blocks that were skipped (and missing blocks, when
    /// parsed `allowingMissingExtensions`).
    public var warnings: [String]

    /// Parses `bytes`, which may be longer than the EDID (virtio-gpu hands over a
    /// 1024-byte buffer): everything after the last announced block is ignored.
    /// Fewer bytes than the announced extension blocks need is an error, unless
    /// `allowingMissingExtensions`: then the blocks present are parsed and a
    /// warning says how many were missing.
    public init(bytes: UnsafeRawBufferPointer, allowingMissingExtensions: Bool = false) throws(EDIDError) {
        guard bytes.count >= EDID.blockSize else { throw .tooShort(count: bytes.count) }
        for i in 0..<8 where bytes[i] != EDID.header[i] { throw .badHeader }
        let sum = EDID.checksum(bytes, block: 0)
        guard sum == 0 else { throw .badChecksum(sum: sum) }
        guard bytes[18] == 1 else { throw .unsupportedVersion(version: bytes[18], revision: bytes[19]) }
        let announced = Int(bytes[126])
        let needed = EDID.blockSize * (announced + 1)
        if bytes.count < needed && !allowingMissingExtensions {
            throw .truncatedExtensions(extensions: announced, needed: needed, available: bytes.count)
        }
        let extensions = min(announced, bytes.count / EDID.blockSize - 1)

        version = bytes[18]
        revision = bytes[19]
        manufacturerCode = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        manufacturerID = EDID.letters(manufacturerCode)
        productCode = UInt16(bytes[10]) | UInt16(bytes[11]) << 8
        serialNumber = UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24
        manufactureWeek = bytes[16]
        manufactureYear = 1990 + Int(bytes[17])
        videoInput = bytes[20]
        screenWidthCentimetres = Int(bytes[21])
        screenHeightCentimetres = Int(bytes[22])
        features = bytes[24]
        extensionCount = announced

        detailedTimings = []
        ctaDetailedTimings = []
        displayIDTimings = []
        standardTimings = []
        establishedTimings = []
        ctaVideoCodes = []
        ctaModes = []
        preferredMode = nil
        preferredTiming = nil
        monitorName = nil
        serialString = nil
        rangeLimits = nil
        extensionTags = []
        warnings = []
        if extensions < announced {
            warnings.append("EDID: \(announced) extension block(s) announced but only \(extensions) present; the rest ignored")
        }

        // Established timings I/II.
        for (bit, mode) in EDID.establishedTimingsI.enumerated() where mode.width != 0 {
            let byte = bytes[35 + bit / 8]
            if byte & (0x80 >> UInt8(bit % 8)) != 0 {
                establishedTimings.append(EDIDMode(width: mode.width, height: mode.height,
                                                   refreshHz: mode.hz, source: .establishedTiming))
            }
        }

        // Standard timings.
        for slot in 0..<8 {
            if let mode = EDID.standardTiming(bytes[38 + 2 * slot], bytes[39 + 2 * slot], revision: revision) {
                standardTimings.append(mode)
            }
        }

        // The four descriptors.
        for index in 0..<4 {
            let offset = 54 + 18 * index
            let clock = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
            if clock != 0 {
                let timing = EDID.detailedTiming(bytes, at: offset)
                if timing.horizontalActive == 0 || timing.verticalActive == 0 {
                    throw .zeroSizedTiming(descriptor: index, width: timing.horizontalActive,
                                           height: timing.verticalActive)
                }
                if let reason = timing.implausibility {
                    throw .implausibleTiming(descriptor: index, reason: reason)
                }
                detailedTimings.append(timing)
                continue
            }
            switch bytes[offset + 3] {
            case 0xFC: monitorName = EDID.text(bytes, at: offset + 5)
            case 0xFF: serialString = EDID.text(bytes, at: offset + 5)
            case 0xFD: rangeLimits = EDID.rangeLimits(bytes, at: offset)
            case 0xF7:
                for (bit, mode) in EDID.establishedTimingsIII.enumerated() where mode.width != 0 {
                    if bytes[offset + 6 + bit / 8] & (0x80 >> UInt8(bit % 8)) != 0 {
                        establishedTimings.append(EDIDMode(width: mode.width, height: mode.height,
                                                           refreshHz: mode.hz, source: .establishedTimingIII))
                    }
                }
            default: break  // 0x10 dummy, 0xFE text, 0xFB/0xFA/0xF9/0xF8, vendor 0x00–0x0F
            }
        }

        // Extension blocks: a problem skips the block with a warning.
        for block in stride(from: 1, through: extensions, by: 1) {
            let base = block * EDID.blockSize
            let tag = bytes[base]
            extensionTags.append(tag)
            let sum = EDID.checksum(bytes, block: block)
            if sum != 0 {
                warnings.append("EDID: extension block \(block) (tag \(EDID.hex(tag))) has a bad checksum (sum \(sum)); ignored")
                continue
            }
            let blockBytes = UnsafeRawBufferPointer(rebasing: bytes[base..<(base + EDID.blockSize)])
            switch tag {
            case 0x02: parseCTA(blockBytes, block: block)
            case 0x70: parseDisplayID(blockBytes, block: block)
            default: break
            }
        }

        choosePreferredMode()
    }

    /// Parses a byte array (see `init(bytes:allowingMissingExtensions:)`).
    public init(_ bytes: [UInt8], allowingMissingExtensions: Bool = false) throws(EDIDError) {
        var result: Result<EDID, EDIDError> = .failure(.tooShort(count: 0))
        bytes.withUnsafeBytes { raw in
            do throws(EDIDError) {
                result = .success(try EDID(bytes: raw, allowingMissingExtensions: allowingMissingExtensions))
            } catch {
                result = .failure(error)
            }
        }
        switch result {
        case .success(let edid): self = edid
        case .failure(let error): throw error
        }
    }

    // MARK: - Preferred mode

    private mutating func choosePreferredMode() {
        if let first = detailedTimings.first {
            preferredTiming = first
            preferredMode = first.mode(source: .detailedTiming)
        } else if let first = ctaDetailedTimings.first {
            preferredTiming = first
            preferredMode = first.mode(source: .ctaDetailedTiming)
        } else if let first = displayIDPreferred ?? displayIDTimings.first {
            preferredTiming = first
            preferredMode = first.mode(source: .displayIDTiming)
        } else if let first = standardTimings.first {
            preferredMode = first
        } else {
            var best: EDIDMode? = nil
            for mode in establishedTimings {
                if let current = best {
                    let area = mode.width * mode.height, bestArea = current.width * current.height
                    if area > bestArea || (area == bestArea && mode.refreshHz > current.refreshHz) { best = mode }
                } else {
                    best = mode
                }
            }
            preferredMode = best
        }
    }

    /// The DisplayID timing flagged preferred, if any (kept while parsing).
    private var displayIDPreferred: EDIDDetailedTiming? = nil

    // MARK: - Extensions

    /// CTA-861 (tag 0x02): byte 1 revision, byte 2 = offset d of the detailed
    /// timings (data blocks fill 4..<d), byte 3 flags, descriptors from d on until
    /// one with a zero pixel clock.
    private mutating func parseCTA(_ block: UnsafeRawBufferPointer, block number: Int) {
        let d = Int(block[2])
        if d == 0 { return }  // no data blocks, no descriptors
        guard d >= 4 && d <= 127 else {
            warnings.append("EDID: CTA extension block \(number) puts its descriptors at \(d), outside 4...127; ignored")
            return
        }
        var offset = 4
        while offset < d {
            let header = block[offset]
            let tag = header >> 5, length = Int(header & 0x1F)
            if offset + 1 + length > d {
                warnings.append("EDID: CTA extension block \(number): data block at \(offset) (length \(length)) runs past \(d); rest ignored")
                break
            }
            if tag == 2 {  // video data block: short video descriptors
                for i in 0..<length {
                    let svd = block[offset + 1 + i]
                    let code = (svd >= 129 && svd <= 192) ? svd & 0x7F : svd  // 129–192: native flag + VIC 1–64
                    if code == 0 { continue }
                    ctaVideoCodes.append(code)
                    if let mode = EDID.ctaMode(code: code) { ctaModes.append(mode) }
                }
            }
            offset += 1 + length
        }
        offset = d
        while offset + 18 <= 127 {
            let clock = UInt16(block[offset]) | UInt16(block[offset + 1]) << 8
            if clock == 0 { break }
            let timing = EDID.detailedTiming(block, at: offset)
            if timing.horizontalActive == 0 || timing.verticalActive == 0 {
                warnings.append("EDID: CTA extension block \(number): detailed timing at \(offset) is \(timing.horizontalActive)x\(timing.verticalActive); ignored")
            } else if let reason = timing.implausibility {
                warnings.append("EDID: CTA extension block \(number): detailed timing at \(offset) ignored: " + reason)
            } else {
                ctaDetailedTimings.append(timing)
            }
            offset += 18
        }
    }

    /// DisplayID in an EDID extension (tag 0x70): the DisplayID section starts at
    /// byte 1 (version, payload length, product type, extension count), its data
    /// blocks (tag, revision, length, payload) from byte 5, and a section checksum
    /// after them. Type I (tag 0x03, DisplayID 1.3) and type VII (tag 0x22,
    /// DisplayID 2.0) detailed timings are 20 bytes each: a 3-byte pixel clock − 1
    /// (10 kHz for type I, 1 kHz for VII), flags (bit 7 preferred), then eight
    /// little-endian 16-bit fields each stored one less than their value.
    private mutating func parseDisplayID(_ block: UnsafeRawBufferPointer, block number: Int) {
        let length = Int(block[2])
        guard 5 + length < 127 else {
            warnings.append("EDID: DisplayID extension block \(number) claims \(length) payload bytes, more than fit; ignored")
            return
        }
        var sum: UInt8 = 0
        for i in 1...(5 + length) { sum &+= block[i] }
        if sum != 0 {
            warnings.append("EDID: DisplayID extension block \(number) has a bad section checksum (sum \(sum)); ignored")
            return
        }
        var offset = 5
        let end = 5 + length
        while offset + 3 <= end {
            let tag = block[offset], payload = Int(block[offset + 2])
            if tag == 0 && payload == 0 { break }  // padding
            guard offset + 3 + payload <= end else {
                warnings.append("EDID: DisplayID extension block \(number): data block at \(offset) (length \(payload)) runs past the section; rest ignored")
                break
            }
            if tag == 0x03 || tag == 0x22 {
                var entry = offset + 3
                while entry + 20 <= offset + 3 + payload {
                    let raw = UInt32(block[entry]) | UInt32(block[entry + 1]) << 8 | UInt32(block[entry + 2]) << 16
                    let clockKHz = (raw + 1) * (tag == 0x03 ? 10 : 1)
                    func field(_ at: Int) -> Int {
                        Int(UInt16(block[entry + at]) | UInt16(block[entry + at + 1]) << 8)
                    }
                    let hFront = field(8), vFront = field(16)
                    let timing = EDIDDetailedTiming(
                        pixelClockKHz: clockKHz,
                        horizontalActive: field(4) + 1, horizontalBlanking: field(6) + 1,
                        horizontalFrontPorch: (hFront & 0x7FFF) + 1, horizontalSyncWidth: field(10) + 1,
                        verticalActive: field(12) + 1, verticalBlanking: field(14) + 1,
                        verticalFrontPorch: (vFront & 0x7FFF) + 1, verticalSyncWidth: field(18) + 1,
                        interlaced: block[entry + 3] & 0x10 != 0,
                        horizontalSyncPositive: hFront & 0x8000 != 0,
                        verticalSyncPositive: vFront & 0x8000 != 0)
                    if let reason = timing.implausibility {
                        warnings.append("EDID: DisplayID extension block \(number): timing at \(entry) ignored: " + reason)
                    } else {
                        displayIDTimings.append(timing)
                        if block[entry + 3] & 0x80 != 0 && displayIDPreferred == nil { displayIDPreferred = timing }
                    }
                    entry += 20
                }
            }
            offset += 3 + payload
        }
    }

    // MARK: - Pieces

    /// The sum (mod 256) of block `block`'s 128 bytes: 0 when its checksum is right.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, block: Int) -> UInt8 {
        var sum: UInt8 = 0
        for i in (block * blockSize)..<((block + 1) * blockSize) { sum &+= bytes[i] }
        return sum
    }

    /// An 18-byte detailed timing descriptor at `offset` (pixel clock non-zero).
    public static func detailedTiming(_ b: UnsafeRawBufferPointer, at offset: Int) -> EDIDDetailedTiming {
        func byte(_ i: Int) -> Int { Int(b[offset + i]) }
        let flags = b[offset + 17]
        let digitalSeparate = flags & 0x18 == 0x18
        return EDIDDetailedTiming(
            pixelClockKHz: UInt32(byte(0) | byte(1) << 8) * 10,
            horizontalActive: byte(2) | (byte(4) & 0xF0) << 4,
            horizontalBlanking: byte(3) | (byte(4) & 0x0F) << 8,
            horizontalFrontPorch: byte(8) | (byte(11) & 0xC0) << 2,
            horizontalSyncWidth: byte(9) | (byte(11) & 0x30) << 4,
            verticalActive: byte(5) | (byte(7) & 0xF0) << 4,
            verticalBlanking: byte(6) | (byte(7) & 0x0F) << 8,
            verticalFrontPorch: byte(10) >> 4 | (byte(11) & 0x0C) << 2,
            verticalSyncWidth: byte(10) & 0x0F | (byte(11) & 0x03) << 4,
            widthMillimetres: byte(12) | (byte(14) & 0xF0) << 4,
            heightMillimetres: byte(13) | (byte(14) & 0x0F) << 8,
            horizontalBorder: byte(15), verticalBorder: byte(16),
            interlaced: flags & 0x80 != 0,
            horizontalSyncPositive: flags & 0x02 != 0,
            verticalSyncPositive: digitalSeparate && flags & 0x04 != 0)
    }

    /// A descriptor's text (13 bytes from `offset`, ended by 0x0A, padded with
    /// spaces); bytes outside printable ASCII show as "?".
    static func text(_ b: UnsafeRawBufferPointer, at offset: Int) -> String {
        var chars: [UInt8] = []
        for i in offset..<(offset + 13) {
            let c = b[i]
            if c == 0x0A || c == 0x00 { break }
            chars.append(c >= 0x20 && c < 0x7F ? c : 0x3F)
        }
        while chars.last == 0x20 { chars.removeLast() }
        return String(decoding: chars, as: UTF8.self)
    }

    static func rangeLimits(_ b: UnsafeRawBufferPointer, at offset: Int) -> EDIDRangeLimits {
        let offsets = b[offset + 4]  // E-EDID 1.4: +255 offsets
        var vMin = Int(b[offset + 5]), vMax = Int(b[offset + 6])
        var hMin = Int(b[offset + 7]), hMax = Int(b[offset + 8])
        if offsets & 0x02 != 0 { vMax += 255; if offsets & 0x01 != 0 { vMin += 255 } }
        if offsets & 0x08 != 0 { hMax += 255; if offsets & 0x04 != 0 { hMin += 255 } }
        return EDIDRangeLimits(minimumVerticalHz: vMin, maximumVerticalHz: vMax,
                               minimumHorizontalKHz: hMin, maximumHorizontalKHz: hMax,
                               maximumPixelClockMHz: Int(b[offset + 9]) * 10, timingSupport: b[offset + 10])
    }

    /// A standard timing: width = (byte 0 + 31) × 8, byte 1 bits 7–6 the aspect
    /// ratio (00 = 16:10, or 1:1 before EDID 1.3; 01 = 4:3; 10 = 5:4; 11 = 16:9),
    /// bits 5–0 the refresh rate − 60. 01 01 (and 00 00, 20 20) mark a slot unused.
    public static func standardTiming(_ b0: UInt8, _ b1: UInt8, revision: UInt8) -> EDIDMode? {
        if (b0 == 0x01 && b1 == 0x01) || b0 == 0x00 || (b0 == 0x20 && b1 == 0x20) { return nil }
        let width = (Int(b0) + 31) * 8
        let height: Int
        switch b1 >> 6 {
        case 0: height = revision < 3 ? width : width * 10 / 16
        case 1: height = width * 3 / 4
        case 2: height = width * 4 / 5
        default: height = width * 9 / 16
        }
        return EDIDMode(width: width, height: height, refreshHz: Int(b1 & 0x3F) + 60, source: .standardTiming)
    }

    /// Established timings I/II, bytes 35–37 from bit 7 of byte 35 on.
    static let establishedTimingsI: [(width: Int, height: Int, hz: Int)] = [
        (720, 400, 70), (720, 400, 88), (640, 480, 60), (640, 480, 67),
        (640, 480, 72), (640, 480, 75), (800, 600, 56), (800, 600, 60),
        (800, 600, 72), (800, 600, 75), (832, 624, 75), (1024, 768, 87),  // 1024x768 @ 87 Hz interlaced
        (1024, 768, 60), (1024, 768, 70), (1024, 768, 75), (1280, 1024, 75),
        (1152, 870, 75),
    ]

    /// Established timings III (descriptor 0xF7), bytes 6–11 from bit 7 of byte 6
    /// (E-EDID 1.4 table 3.29; reduced-blanking variants listed by their size and rate).
    static let establishedTimingsIII: [(width: Int, height: Int, hz: Int)] = [
        (640, 350, 85), (640, 400, 85), (720, 400, 85), (640, 480, 85),
        (848, 480, 60), (800, 600, 85), (1024, 768, 85), (1152, 864, 75),
        (1280, 768, 60), (1280, 768, 60), (1280, 768, 75), (1280, 768, 85),
        (1280, 960, 60), (1280, 960, 85), (1280, 1024, 60), (1280, 1024, 85),
        (1360, 768, 60), (1440, 900, 60), (1440, 900, 60), (1440, 900, 75),
        (1440, 900, 85), (1400, 1050, 60), (1400, 1050, 60), (1400, 1050, 75),
        (1400, 1050, 85), (1680, 1050, 60), (1680, 1050, 60), (1680, 1050, 75),
        (1680, 1050, 85), (1600, 1200, 60), (1600, 1200, 65), (1600, 1200, 70),
        (1600, 1200, 75), (1600, 1200, 85), (1792, 1344, 60), (1792, 1344, 75),
        (1856, 1392, 60), (1856, 1392, 75), (1920, 1200, 60), (1920, 1200, 60),
        (1920, 1200, 75), (1920, 1200, 85), (1920, 1440, 60), (1920, 1440, 75),
    ]

    /// The mode of a CTA-861 video identification code, for the common ones (all
    /// QEMU lists, and the usual 720p/1080p/2160p rates); nil for the others.
    public static func ctaMode(code: UInt8) -> EDIDMode? {
        let mode: (Int, Int, Int)
        switch code {
        case 1: mode = (640, 480, 60)
        case 2, 3: mode = (720, 480, 60)
        case 4: mode = (1280, 720, 60)
        case 16: mode = (1920, 1080, 60)
        case 17, 18: mode = (720, 576, 50)
        case 19: mode = (1280, 720, 50)
        case 31: mode = (1920, 1080, 50)
        case 32: mode = (1920, 1080, 24)
        case 33: mode = (1920, 1080, 25)
        case 34: mode = (1920, 1080, 30)
        case 63: mode = (1920, 1080, 120)
        case 64: mode = (1920, 1080, 100)
        case 89: mode = (2560, 1080, 50)
        case 90: mode = (2560, 1080, 60)
        case 93: mode = (3840, 2160, 24)
        case 94: mode = (3840, 2160, 25)
        case 95: mode = (3840, 2160, 30)
        case 96: mode = (3840, 2160, 50)
        case 97: mode = (3840, 2160, 60)
        case 98: mode = (4096, 2160, 24)
        case 99: mode = (4096, 2160, 25)
        case 100: mode = (4096, 2160, 30)
        case 101: mode = (4096, 2160, 50)
        case 102: mode = (4096, 2160, 60)
        case 117: mode = (3840, 2160, 100)
        case 118: mode = (3840, 2160, 120)
        case 125: mode = (5120, 2160, 50)
        case 126: mode = (5120, 2160, 60)
        default: return nil
        }
        return EDIDMode(width: mode.0, height: mode.1, refreshHz: mode.2, source: .ctaVideoIdentificationCode)
    }

    /// Three 5-bit letters, 1 = "A".
    static func letters(_ code: UInt16) -> String {
        var chars: [UInt8] = []
        for shift in [10, 5, 0] {
            let value = UInt8((code >> UInt16(shift)) & 0x1F)
            chars.append(value >= 1 && value <= 26 ? 0x40 + value : 0x3F)
        }
        return String(decoding: chars, as: UTF8.self)
    }

    static func hex(_ value: UInt8) -> String {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        return String(decoding: [0x30, 0x78, digits[Int(value >> 4)], digits[Int(value & 0xF)]], as: UTF8.self)
    }
}
