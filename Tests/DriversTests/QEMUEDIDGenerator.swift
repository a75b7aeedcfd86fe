/// A Swift port of QEMU's `qemu_edid_generate` (hw/display/edid-generate.c), the
/// version QEMU 7.2 and later build (its mode table is byte for byte the one in
/// Debian's qemu-system-aarch64 7.2 binary: 3840×2160@60 as VIC 97, the additional
/// standard timings 3 list in its reordered form). virtio-gpu calls it with a
/// 1024-byte buffer (`virtio_gpu_base_generate_edid`), the info fields taken from
/// the scanout: prefx/prefy = xres/yres (default 1280×800), width_mm/height_mm and
/// refresh_rate from the UI (0 = unknown: 100 dpi, 75 Hz), the name from the
/// `outputs` property if set.
struct QEMUEDIDInfo {
    var vendor: String? = nil
    var name: String? = nil
    var serial: String? = nil
    var dpi: UInt32 = 0
    var widthMM: UInt32 = 0
    var heightMM: UInt32 = 0
    var prefx: UInt32 = 0
    var prefy: UInt32 = 0
    var maxx: UInt32 = 0
    var maxy: UInt32 = 0
    /// mHz; 0 = 75 Hz.
    var refreshRate: UInt32 = 0
}

enum QEMUEDID {
    struct Timings {
        var xfront: UInt32, xsync: UInt32, xblank: UInt32
        var yfront: UInt32, ysync: UInt32, yblank: UInt32
        var clock: UInt64  // 10 kHz
    }

    static let modes: [(xres: UInt32, yres: UInt32, byte: Int, xtra3: Int, bit: Int, dta: UInt8)] = [
        (5120, 2160, 0, 0, 0, 125),
        (4096, 2160, 0, 0, 0, 101),
        (3840, 2160, 0, 0, 0, 96),
        (2560, 1080, 0, 0, 0, 89),
        (2048, 1152, 0, 0, 0, 0),
        (1920, 1080, 0, 0, 0, 31),
        (3840, 2160, 0, 0, 0, 97),
        (1920, 1200, 0, 10, 0, 0),
        (1600, 1200, 0, 9, 2, 0),
        (1680, 1050, 0, 9, 5, 0),
        (1440, 900, 0, 8, 5, 0),
        (1280, 1024, 0, 7, 1, 0),
        (1280, 960, 0, 7, 3, 0),
        (1280, 768, 0, 7, 6, 0),
        (1920, 1440, 0, 11, 5, 0),
        (1856, 1392, 0, 10, 3, 0),
        (1792, 1344, 0, 10, 5, 0),
        (1440, 1050, 0, 8, 1, 0),
        (1360, 768, 0, 8, 7, 0),
        (1024, 768, 36, 0, 3, 0),
        (800, 600, 35, 0, 0, 0),
        (640, 480, 35, 0, 5, 0),
    ]

    static func timings(refreshRate: UInt32, xres: UInt32, yres: UInt32) -> Timings {
        let xblank = xres * 35 / 100, yblank = yres * 35 / 1000
        return Timings(xfront: xres * 25 / 100, xsync: xres * 3 / 100, xblank: xblank,
                       yfront: yres * 5 / 1000, ysync: yres * 5 / 1000, yblank: yblank,
                       clock: UInt64(refreshRate) * UInt64(xres + xblank) * UInt64(yres + yblank) / 10_000_000)
    }

    /// The generated EDID, `size` bytes (virtio-gpu: 1024; qemu-edid: 256 or more).
    static func generate(size: Int = 1024, _ input: QEMUEDIDInfo = QEMUEDIDInfo()) -> [UInt8] {
        var info = input
        var e = [UInt8](repeating: 0, count: size)
        let refreshRate = info.refreshRate != 0 ? info.refreshRate : 75000
        var dpi: UInt32 = 100
        if info.vendor == nil || info.vendor!.utf8.count != 3 { info.vendor = "RHT" }
        if info.name == nil { info.name = "QEMU Monitor" }
        if info.prefx == 0 { info.prefx = 1280 }
        if info.prefy == 0 { info.prefy = 800 }
        let widthMM: UInt32, heightMM: UInt32
        if info.widthMM != 0 && info.heightMM != 0 {
            widthMM = info.widthMM
            heightMM = info.heightMM
            dpi = info.prefx * 254 / 10 / widthMM
        } else {
            widthMM = info.prefx * 254 / 10 / dpi
            heightMM = info.prefy * 254 / 10 / dpi
        }
        _ = dpi
        let t = timings(refreshRate: refreshRate, xres: info.prefx, yres: info.prefy)
        let largeScreen = info.prefx >= 4096 || info.prefy >= 4096 || t.clock >= 65536

        // extensions
        let dta: Int? = size >= 256 ? 128 : nil
        if let dta {
            e[126] += 1
            e[dta] = 0x02; e[dta + 1] = 0x03; e[dta + 2] = 0x05; e[dta + 3] = 0x00
            e[dta + 4] = 0x40  // video data block
        }
        let did: Int? = size >= 384 && largeScreen ? 256 : nil
        if let did {
            e[126] += 1
            e[did] = 0x70; e[did + 1] = 0x13; e[did + 2] = 4; e[did + 3] = 0x03
            checksum(&e, did + 1, Int(e[did + 2]) + 4)
        }

        // header
        e[0] = 0x00; for i in 1...6 { e[i] = 0xFF }; e[7] = 0x00
        let v = Array(info.vendor!.utf8)
        let vendorID = UInt16((v[0] &- 0x40) & 0x1F) << 10 | UInt16((v[1] &- 0x40) & 0x1F) << 5 | UInt16((v[2] &- 0x40) & 0x1F)
        e[8] = UInt8(vendorID >> 8); e[9] = UInt8(vendorID & 0xFF)
        e[10] = 0x34; e[11] = 0x12  // model 0x1234, little-endian
        let serialNumber = UInt32(info.serial.flatMap { atoi($0) } ?? 0)
        for i in 0..<4 { e[12 + i] = UInt8(truncatingIfNeeded: serialNumber >> UInt32(8 * i)) }
        e[16] = 42
        e[17] = UInt8(2014 - 1990)
        e[18] = 1
        e[19] = 4
        e[20] = 0xA5
        e[21] = UInt8(truncatingIfNeeded: widthMM / 10)
        e[22] = UInt8(truncatingIfNeeded: heightMM / 10)
        e[23] = 220 - 100
        e[24] = 0x06
        colorspace(&e, 0.6400, 0.3300, 0.3000, 0.6000, 0.1500, 0.0600, 0.3127, 0.3290)

        // descriptors
        var desc: Int? = 54
        func next(_ d: Int?) -> Int? {
            guard let d else { return nil }
            if d + 18 + 18 < 127 { return d + 18 }
            if let dta {
                if d < 127 { return dta + Int(e[dta + 2]) }
                if d + 18 + 18 < dta + 127 { return d + 18 }
            }
            return nil
        }
        if !largeScreen {
            descTiming(&e, desc!, t, info.prefx, info.prefy, widthMM, heightMM)
            desc = next(desc)
        }
        let xtra3 = desc!
        descType(&e, xtra3, 0xF7)
        e[xtra3 + 5] = 10
        desc = next(desc)
        fillModes(&e, xtra3: xtra3, dta: dta, maxx: info.maxx, maxy: info.maxy)

        descType(&e, desc!, 0xFD)
        e[desc! + 5] = 50; e[desc! + 6] = 125; e[desc! + 7] = 30; e[desc! + 8] = 160
        e[desc! + 9] = UInt8(2550 / 10)
        e[desc! + 10] = 0x01
        e[desc! + 11] = 0x0A
        for i in 12..<18 { e[desc! + i] = 0x20 }
        desc = next(desc)

        if let d = desc, let name = info.name {
            descText(&e, d, 0xFC, name)
            desc = next(desc)
        }
        if let d = desc, let serial = info.serial {
            descText(&e, d, 0xFF, serial)
            desc = next(desc)
        }
        while let d = desc {
            descType(&e, d, 0x10)
            desc = next(desc)
        }

        if let did, largeScreen {
            e[did] = 0x70; e[did + 1] = 0x13; e[did + 2] = 23; e[did + 3] = 0x03
            e[did + 5] = 0x03; e[did + 6] = 0x00; e[did + 7] = 0x14
            e[did + 8] = UInt8(truncatingIfNeeded: t.clock)
            e[did + 9] = UInt8(truncatingIfNeeded: t.clock >> 8)
            e[did + 10] = UInt8(truncatingIfNeeded: t.clock >> 16)
            e[did + 11] = 0x88
            let fields: [UInt32] = [info.prefx, t.xblank, t.xfront, t.xsync, info.prefy, t.yblank, t.yfront, t.ysync]
            for (i, value) in fields.enumerated() {
                let stored = UInt16(truncatingIfNeeded: value &- 1)
                e[did + 12 + 2 * i] = UInt8(stored & 0xFF)
                e[did + 13 + 2 * i] = UInt8(stored >> 8)
            }
            checksum(&e, did + 1, Int(e[did + 2]) + 4)
        }

        checksum(&e, 0, 127)
        if let dta { checksum(&e, dta, 127) }
        if let did { checksum(&e, did, 127) }
        return e
    }

    static func atoi(_ text: String) -> UInt32? {
        var value: UInt32 = 0
        for c in text.utf8 {
            guard c >= 0x30 && c <= 0x39 else { break }
            value = value &* 10 &+ UInt32(c - 0x30)
        }
        return value
    }

    static func checksum(_ e: inout [UInt8], _ start: Int, _ length: Int) {
        var sum: UInt32 = 0
        for i in start..<(start + length) { sum += UInt32(e[i]) }
        sum &= 0xFF
        if sum != 0 { e[start + length] = UInt8(0x100 - sum) }
    }

    static func descType(_ e: inout [UInt8], _ d: Int, _ type: UInt8) {
        e[d] = 0; e[d + 1] = 0; e[d + 2] = 0; e[d + 3] = type; e[d + 4] = 0
    }

    static func descText(_ e: inout [UInt8], _ d: Int, _ type: UInt8, _ text: String) {
        descType(&e, d, type)
        for i in 0..<13 { e[d + 5 + i] = 0x20 }
        let bytes = Array(text.utf8.prefix(12))
        for (i, b) in bytes.enumerated() { e[d + 5 + i] = b }
        e[d + 5 + bytes.count] = 0x0A
    }

    static func descTiming(_ e: inout [UInt8], _ d: Int, _ t: Timings, _ xres: UInt32, _ yres: UInt32,
                           _ xmm: UInt32, _ ymm: UInt32) {
        e[d] = UInt8(truncatingIfNeeded: t.clock)
        e[d + 1] = UInt8(truncatingIfNeeded: t.clock >> 8)
        e[d + 2] = UInt8(truncatingIfNeeded: xres)
        e[d + 3] = UInt8(truncatingIfNeeded: t.xblank)
        e[d + 4] = UInt8(truncatingIfNeeded: ((xres & 0xF00) >> 4) | ((t.xblank & 0xF00) >> 8))
        e[d + 5] = UInt8(truncatingIfNeeded: yres)
        e[d + 6] = UInt8(truncatingIfNeeded: t.yblank)
        e[d + 7] = UInt8(truncatingIfNeeded: ((yres & 0xF00) >> 4) | ((t.yblank & 0xF00) >> 8))
        e[d + 8] = UInt8(truncatingIfNeeded: t.xfront)
        e[d + 9] = UInt8(truncatingIfNeeded: t.xsync)
        e[d + 10] = UInt8(truncatingIfNeeded: ((t.yfront & 0x00F) << 4) | (t.ysync & 0x00F))
        e[d + 11] = UInt8(truncatingIfNeeded: ((t.xfront & 0x300) >> 2) | ((t.xsync & 0x300) >> 4)
                          | ((t.yfront & 0x030) >> 2) | ((t.ysync & 0x030) >> 4))
        e[d + 12] = UInt8(truncatingIfNeeded: xmm)
        e[d + 13] = UInt8(truncatingIfNeeded: ymm)
        e[d + 14] = UInt8(truncatingIfNeeded: ((xmm & 0xF00) >> 4) | ((ymm & 0xF00) >> 8))
        e[d + 17] = 0x18
    }

    static func stdMode(_ e: inout [UInt8], _ at: Int, _ xres: UInt32, _ yres: UInt32) -> Bool {
        if xres == 0 || yres == 0 {
            e[at] = 0x01; e[at + 1] = 0x01
            return true
        }
        let aspect: UInt8
        if xres * 10 == yres * 16 { aspect = 0 }
        else if xres * 3 == yres * 4 { aspect = 1 }
        else if xres * 4 == yres * 5 { aspect = 2 }
        else if xres * 9 == yres * 16 { aspect = 3 }
        else { return false }
        let code = (xres / 8) &- 31  // unsigned in C: small widths wrap and fail
        if code > 255 { return false }
        e[at] = UInt8(code)
        e[at + 1] = aspect << 6 | (60 - 60)
        return true
    }

    static func fillModes(_ e: inout [UInt8], xtra3: Int, dta: Int?, maxx: UInt32, maxy: UInt32) {
        var std = 38
        for mode in modes {
            if (maxx != 0 && mode.xres > maxx) || (maxy != 0 && mode.yres > maxy) { continue }
            if mode.byte != 0 {
                e[mode.byte] |= UInt8(1 << mode.bit)
            } else if std < 54 {
                if stdMode(&e, std, mode.xres, mode.yres) { std += 2 }
            } else if mode.xtra3 != 0 {
                e[xtra3 + mode.xtra3] |= UInt8(1 << mode.bit)
            }
            if let dta, mode.dta != 0 {
                e[dta + Int(e[dta + 2])] = mode.dta
                e[dta + 2] += 1
                e[dta + 4] += 1
            }
        }
        while std < 54 {
            _ = stdMode(&e, std, 0, 0)
            std += 2
        }
    }

    static func colorspace(_ e: inout [UInt8], _ rx: Float, _ ry: Float, _ gx: Float, _ gy: Float,
                           _ bx: Float, _ by: Float, _ wx: Float, _ wy: Float) {
        func tenBit(_ value: Float) -> UInt32 { UInt32(Double(value * 1024) + 0.5) }
        let red_x = tenBit(rx), red_y = tenBit(ry), green_x = tenBit(gx), green_y = tenBit(gy)
        let blue_x = tenBit(bx), blue_y = tenBit(by), white_x = tenBit(wx), white_y = tenBit(wy)
        e[25] = UInt8(((red_x & 3) << 6) | ((red_y & 3) << 4) | ((green_x & 3) << 2) | (green_y & 3))
        e[26] = UInt8(((blue_x & 3) << 6) | ((blue_y & 3) << 4) | ((white_x & 3) << 2) | (white_y & 3))
        e[27] = UInt8(red_x >> 2); e[28] = UInt8(red_y >> 2)
        e[29] = UInt8(green_x >> 2); e[30] = UInt8(green_y >> 2)
        e[31] = UInt8(blue_x >> 2); e[32] = UInt8(blue_y >> 2)
        e[33] = UInt8(white_x >> 2); e[34] = UInt8(white_y >> 2)
    }
}
