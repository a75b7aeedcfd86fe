// The fw_cfg file directory, item 0x0019 (FW_CFG_FILE_DIR). From QEMU's
// docs/specs/fw_cfg.rst, "File Directory":
//
//     struct FWCfgFiles {         /* the entire file directory fw_cfg item */
//         uint32_t count;         /* number of entries, in big-endian format */
//         struct FWCfgFile f[];   /* array of file entries, see below */
//     };
//     struct FWCfgFile {          /* an individual file entry, 64 bytes total */
//         uint32_t size;          /* size of referenced fw_cfg item, big-endian */
//         uint16_t select;        /* selector key of fw_cfg item, big-endian */
//         uint16_t reserved;
//         char name[56];          /* fw_cfg item name, NUL-terminated ascii */
//     };
//
// Read it in two steps: 4 bytes for the count (`FwCfgDirectory.fileCount`), then
// `byteCount(files:)` bytes from the start of the item, and parse those.

import Wire

/// Why fw_cfg data was rejected.
public enum FwCfgError: Error, Equatable {
    /// The directory item is shorter than its 4-byte count.
    case directoryTooShort(count: Int)
    /// More files than fw_cfg has selectors for (0x0020–0x3FFF).
    case tooManyFiles(count: Int)
    /// `files` entries announced need `needed` bytes; `available` were given.
    case directoryTruncated(files: Int, needed: Int, available: Int)
    /// Entry `index`'s 56-byte name has no NUL.
    case unterminatedName(index: Int)
    /// Entry `index`'s name is empty.
    case emptyName(index: Int)
    /// Entry `index` names a selector outside 0x0020–0x3FFF.
    case invalidSelector(index: Int, name: String, selector: UInt16)
    /// Entry `index` repeats an earlier name (QEMU refuses duplicates).
    case duplicateName(index: Int, name: String)
    /// A DMA access structure needs 16 bytes.
    case dmaAccessTooShort(count: Int)

    public var message: String {
        switch self {
        case .directoryTooShort(let count):
            return "fw_cfg: the file directory is \(count) bytes, shorter than its 4-byte count"
        case .tooManyFiles(let count):
            return "fw_cfg: the file directory claims \(count) files, more than the \(FwCfgDirectory.maximumFileCount) fw_cfg can hold"
        case .directoryTruncated(let files, let needed, let available):
            return "fw_cfg: the file directory claims \(files) files, needing \(needed) bytes, but has \(available)"
        case .unterminatedName(let index):
            return "fw_cfg: file entry \(index) has a name without a NUL in its 56 bytes"
        case .emptyName(let index):
            return "fw_cfg: file entry \(index) has an empty name"
        case .invalidSelector(let index, let name, let selector):
            return "fw_cfg: file entry \(index) (\"" + name + "\") has selector \(selector), outside 32...16383"
        case .duplicateName(let index, let name):
            return "fw_cfg: file entry \(index) repeats the name \"" + name + "\""
        case .dmaAccessTooShort(let count):
            return "fw_cfg: a DMA access structure is 16 bytes, not \(count)"
        }
    }
}

/// One entry of the file directory.
public struct FwCfgFile: Equatable {
    /// The item's name, e.g. "etc/ramfb" or "opt/lumen/config".
    public var name: String
    /// The item's size in bytes.
    public var size: UInt32
    /// The selector key to read or write it with.
    public var selector: UInt16

    public init(name: String, size: UInt32, selector: UInt16) {
        self.name = name
        self.size = size
        self.selector = selector
    }
}

/// The parsed file directory.
public struct FwCfgDirectory {
    /// Bytes of one entry.
    public static let entrySize = 64
    /// Bytes of an entry's name field, NUL included (`FW_CFG_MAX_FILE_PATH`).
    public static let nameSize = 56
    /// File items use selectors 0x0020–0x3FFF.
    public static let maximumFileCount = Int(FwCfgSelector.genericLimit - FwCfgSelector.firstFile)

    public private(set) var files: [FwCfgFile]

    /// Bytes of a directory with `files` entries.
    public static func byteCount(files: Int) -> Int { 4 + files * entrySize }

    /// The entry count at the start of the directory, checked against what fw_cfg
    /// can hold.
    public static func fileCount(header bytes: UnsafeRawBufferPointer) throws(FwCfgError) -> Int {
        guard bytes.count >= 4 else { throw .directoryTooShort(count: bytes.count) }
        let count = BigEndian.u32(bytes, at: 0)
        guard count <= UInt32(maximumFileCount) else { throw .tooManyFiles(count: Int(count)) }
        return Int(count)
    }

    /// Parses the directory item. `bytes` may be longer than the entries it counts.
    public init(bytes: UnsafeRawBufferPointer) throws(FwCfgError) {
        let count = try FwCfgDirectory.fileCount(header: bytes)
        let needed = FwCfgDirectory.byteCount(files: count)
        guard bytes.count >= needed else {
            throw .directoryTruncated(files: count, needed: needed, available: bytes.count)
        }
        var files: [FwCfgFile] = []
        files.reserveCapacity(count)
        for index in 0..<count {
            let entry = 4 + index * FwCfgDirectory.entrySize
            let nameStart = entry + 8
            var length = -1
            for i in 0..<FwCfgDirectory.nameSize where bytes[nameStart + i] == 0 {
                length = i
                break
            }
            if length < 0 { throw .unterminatedName(index: index) }
            if length == 0 { throw .emptyName(index: index) }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<(nameStart + length)]),
                              as: UTF8.self)
            let selector = BigEndian.u16(bytes, at: entry + 4)
            guard selector >= FwCfgSelector.firstFile && selector < FwCfgSelector.genericLimit else {
                throw .invalidSelector(index: index, name: name, selector: selector)
            }
            for earlier in files where earlier.name == name {
                throw .duplicateName(index: index, name: name)
            }
            files.append(FwCfgFile(name: name, size: BigEndian.u32(bytes, at: entry), selector: selector))
        }
        self.files = files
    }

    /// Parses a byte array (see `init(bytes:)`).
    public init(_ bytes: [UInt8]) throws(FwCfgError) {
        var result: Result<FwCfgDirectory, FwCfgError> = .failure(.directoryTooShort(count: 0))
        bytes.withUnsafeBytes { raw in
            do throws(FwCfgError) { result = .success(try FwCfgDirectory(bytes: raw)) } catch { result = .failure(error) }
        }
        switch result {
        case .success(let directory): self = directory
        case .failure(let error): throw error
        }
    }

    /// The entry called exactly `name`, if any.
    public func file(named name: String) -> FwCfgFile? {
        for file in files where file.name == name { return file }
        return nil
    }

    /// Encodes a directory the way QEMU lays it out (for tests and device models).
    /// Names longer than 55 bytes are cut.
    public static func encode(_ files: [FwCfgFile]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: byteCount(files: files.count))
        bytes.withUnsafeMutableBytes { raw in
            BigEndian.store(UInt32(files.count), into: raw, at: 0)
            for (index, file) in files.enumerated() {
                let entry = 4 + index * entrySize
                BigEndian.store(file.size, into: raw, at: entry)
                BigEndian.store(file.selector, into: raw, at: entry + 4)
                for (i, byte) in file.name.utf8.prefix(nameSize - 1).enumerated() { raw[entry + 8 + i] = byte }
            }
        }
        return bytes
    }
}
