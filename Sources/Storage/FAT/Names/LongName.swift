/// VFAT long names: up to 255 UTF-16 units, stored 13 per directory entry in
/// entries with attribute 0x0F placed just before the 8.3 entry they belong to,
/// last part first. Each carries the checksum of the 8.3 name so a long name
/// orphaned by an old, LFN-unaware OS is recognised and ignored.
enum LongName {
    static let maximumLength = 255
    static let unitsPerEntry = 13
    /// Byte offsets of the 13 UTF-16 units inside an LFN entry.
    static let unitOffsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]

    /// Why `name` cannot be a FAT file name, or nil when it can.
    static func problem(with name: [UInt16]) -> String? {
        if name.isEmpty { return "empty name" }
        if name.count > maximumLength { return "name longer than 255 characters" }
        if name == [0x2E] || name == [0x2E, 0x2E] { return "\".\" and \"..\" are reserved" }
        for unit in name {
            if unit < 0x20 { return "control character in name" }
            switch unit {
            case 0x22, 0x2A, 0x2F, 0x3A, 0x3C, 0x3E, 0x3F, 0x5C, 0x7C:
                return "name contains one of \" * / : < > ? \\ |"
            default: break
            }
        }
        if let last = name.last, last == 0x20 || last == 0x2E { return "name ends with a space or a dot" }
        return nil
    }

    /// Entries needed for a long name of `count` units.
    static func entryCount(_ count: Int) -> Int { (count + unitsPerEntry - 1) / unitsPerEntry }

    /// The 32-byte LFN entries for `name`, in on-disk order (highest sequence first).
    static func entries(for name: [UInt16], checksum: UInt8) -> [[UInt8]] {
        let count = entryCount(name.count)
        var result: [[UInt8]] = []
        result.reserveCapacity(count)
        var sequence = count
        while sequence >= 1 {
            var entry = [UInt8](repeating: 0, count: 32)
            entry[0] = UInt8(sequence) | (sequence == count ? 0x40 : 0)
            entry[11] = FATAttributes.longName.rawValue
            entry[12] = 0
            entry[13] = checksum
            // Bytes 26-27 (first cluster) stay 0.
            for position in 0 ..< unitsPerEntry {
                let index = (sequence - 1) * unitsPerEntry + position
                // Unused positions: one 0x0000 terminator, then 0xFFFF padding.
                let unit: UInt16 = index < name.count ? name[index] : (index == name.count ? 0 : 0xFFFF)
                let offset = unitOffsets[position]
                entry[offset] = UInt8(truncatingIfNeeded: unit)
                entry[offset + 1] = UInt8(truncatingIfNeeded: unit >> 8)
            }
            result.append(entry)
            sequence -= 1
        }
        return result
    }
}
