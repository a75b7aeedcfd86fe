/// One 32-byte 8.3 directory entry, decoded. (LFN entries are handled by
/// `LongName`; the scanner never turns them into records.)

import Wire
struct DirectoryRecord {
    static let size = 32
    /// First name byte of a deleted entry.
    static let deletedMarker: UInt8 = 0xE5
    /// First name byte of the entry that ends the directory (all later ones are unused too).
    static let endMarker: UInt8 = 0x00

    var name: ShortName
    var attributes: FATAttributes
    /// The NT lower-case flags (`ShortName.lowerBaseFlag` / `lowerExtensionFlag`).
    var caseFlags: UInt8
    var createdTenths: UInt8
    var createdTime: UInt16
    var createdDate: UInt16
    var accessedDate: UInt16
    var firstCluster: UInt32
    var modifiedTime: UInt16
    var modifiedDate: UInt16
    var size: UInt32

    var isDirectory: Bool { attributes.contains(.directory) }
    var isVolumeLabel: Bool { attributes.contains(.volumeLabel) && !attributes.contains(.directory) }
    var isDotEntry: Bool { name == ShortName.dot || name == ShortName.dotDot }

    static func empty(name: ShortName, attributes: FATAttributes) -> DirectoryRecord {
        DirectoryRecord(name: name, attributes: attributes, caseFlags: 0, createdTenths: 0, createdTime: 0,
                        createdDate: 0, accessedDate: 0, firstCluster: 0, modifiedTime: 0, modifiedDate: 0, size: 0)
    }

    /// Decodes the entry at `offset` (32 bytes must be there). The high cluster
    /// half only counts on FAT32 (FAT12/16 kept OS/2 data there).
    init(_ raw: UnsafeRawBufferPointer, at offset: Int, kind: FATKind) {
        name = ShortName(raw, at: offset)
        attributes = FATAttributes(rawValue: raw[offset + 11])
        caseFlags = raw[offset + 12]
        createdTenths = raw[offset + 13]
        createdTime = LittleEndian.u16(raw, offset + 14)
        createdDate = LittleEndian.u16(raw, offset + 16)
        accessedDate = LittleEndian.u16(raw, offset + 18)
        let high = kind == .fat32 ? UInt32(LittleEndian.u16(raw, offset + 20)) : 0
        modifiedTime = LittleEndian.u16(raw, offset + 22)
        modifiedDate = LittleEndian.u16(raw, offset + 24)
        firstCluster = high << 16 | UInt32(LittleEndian.u16(raw, offset + 26))
        size = LittleEndian.u32(raw, offset + 28)
    }

    init(name: ShortName, attributes: FATAttributes, caseFlags: UInt8, createdTenths: UInt8, createdTime: UInt16,
         createdDate: UInt16, accessedDate: UInt16, firstCluster: UInt32, modifiedTime: UInt16, modifiedDate: UInt16,
         size: UInt32) {
        self.name = name
        self.attributes = attributes
        self.caseFlags = caseFlags
        self.createdTenths = createdTenths
        self.createdTime = createdTime
        self.createdDate = createdDate
        self.accessedDate = accessedDate
        self.firstCluster = firstCluster
        self.modifiedTime = modifiedTime
        self.modifiedDate = modifiedDate
        self.size = size
    }

    var encoded: [UInt8] {
        var bytes = name.bytes
        bytes.reserveCapacity(32)
        bytes += [UInt8](repeating: 0, count: 21)
        bytes[11] = attributes.rawValue
        bytes[12] = caseFlags
        bytes[13] = createdTenths
        LittleEndian.put16(createdTime, &bytes, 14)
        LittleEndian.put16(createdDate, &bytes, 16)
        LittleEndian.put16(accessedDate, &bytes, 18)
        LittleEndian.put16(UInt16(truncatingIfNeeded: firstCluster >> 16), &bytes, 20)
        LittleEndian.put16(modifiedTime, &bytes, 22)
        LittleEndian.put16(modifiedDate, &bytes, 24)
        LittleEndian.put16(UInt16(truncatingIfNeeded: firstCluster), &bytes, 26)
        LittleEndian.put32(size, &bytes, 28)
        return bytes
    }

    /// Sets creation, modification and access stamps to `now`.
    mutating func stampCreated(_ now: FATTimestamp) {
        createdDate = now.encodedDate
        createdTime = now.encodedTime
        createdTenths = now.encodedTenths
        stampModified(now)
    }

    mutating func stampModified(_ now: FATTimestamp) {
        modifiedDate = now.encodedDate
        modifiedTime = now.encodedTime
        accessedDate = now.encodedDate
    }
}
