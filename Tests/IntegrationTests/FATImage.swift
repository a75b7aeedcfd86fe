import Foundation
import XCTest

/// A FAT disk image made on the host with dosfstools and mtools, the tools a
/// user would check Lumen's writes with: `mkfs.fat`, `mcopy`, `mdir`, `fsck.fat`.
struct FATImage {
    let path: String
    let directory: URL

    /// A fresh image of `mebibytes` MiB, FAT `bits` (12, 16 or 32).
    init(mebibytes: Int = 64, bits: Int = 32, label: String = "LUMENTEST") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-fat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("disk.img").path
        try FATImage.tool("mkfs.fat", ["-F", "\(bits)", "-n", label, "-C", path, "\(mebibytes * 1024)"])
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Puts `data` at `name` ("dir/file.txt"; directories are made as needed).
    func put(_ name: String, _ data: Data) throws {
        let parts = name.split(separator: "/")
        var made = ""
        for part in parts.dropLast() {
            made += "/" + part
            _ = try? FATImage.tool("mmd", ["-i", path, "::" + made])
        }
        let source = directory.appendingPathComponent("put-\(UUID().uuidString)")
        try data.write(to: source)
        try FATImage.tool("mcopy", ["-o", "-i", path, source.path, "::/" + name])
    }

    /// The file's bytes as mtools reads them.
    func get(_ name: String) throws -> Data {
        let target = directory.appendingPathComponent("get-\(UUID().uuidString)")
        try FATImage.tool("mcopy", ["-n", "-i", path, "::/" + name, target.path])
        return try Data(contentsOf: target)
    }

    /// Names in a directory as mtools lists them (long names, no "." and "..").
    func names(in directory: String) throws -> Set<String> {
        let listing = try FATImage.tool("mdir", ["-b", "-i", path, "::" + directory])
        return Set(listing.split(separator: "\n").compactMap { line -> String? in
            var full = String(line).trimmingCharacters(in: .whitespaces)
            if full.hasSuffix("/") { full.removeLast() }  // directories
            guard let slash = full.lastIndex(of: "/") else { return nil }
            let name = String(full[full.index(after: slash)...])
            return name.isEmpty || name == "." || name == ".." ? nil : name
        })
    }

    /// `fsck.fat -n`: the report, and whether it found nothing wrong.
    func check() throws -> (clean: Bool, report: String) {
        let (status, output) = FATImage.run("fsck.fat", ["-n", path])
        return (status == 0, output)
    }

    /// QEMU arguments attaching the image as a virtio-blk disk.
    func drive(id: String = "d0", readOnly: Bool = false, file: String? = nil) -> [String] {
        ["-drive", "if=none,id=\(id),format=raw,file=\(file ?? path)" + (readOnly ? ",readonly=on" : ""),
         "-device", "virtio-blk-device,drive=\(id)"]
    }

    /// The first sector of the data of `name` (from mtools' cluster map and the boot sector).
    func firstSector(of name: String) throws -> Int {
        let map = try FATImage.tool("mshowfat", ["-i", path, "::/" + name])
        guard let open = map.firstIndex(of: "<"), let close = map[open...].firstIndex(where: { $0 == "-" || $0 == ">" }),
              let cluster = Int(map[map.index(after: open) ..< close]) else {
            throw NSError(domain: "FATImage", code: 1, userInfo: [NSLocalizedDescriptionKey: "mshowfat: " + map])
        }
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let boot = [UInt8](handle.readData(ofLength: 512))
        try handle.close()
        func le(_ offset: Int, _ count: Int) -> Int { (0 ..< count).reduce(0) { $0 | Int(boot[offset + $1]) << (8 * $1) } }
        let bytesPerSector = le(11, 2), sectorsPerCluster = le(13, 1), reserved = le(14, 2), fats = le(16, 1)
        let rootEntries = le(17, 2)
        let fatSize = le(22, 2) != 0 ? le(22, 2) : le(36, 4)
        let rootSectors = (rootEntries * 32 + bytesPerSector - 1) / bytesPerSector
        let dataStart = reserved + fats * fatSize + rootSectors
        return (dataStart + (cluster - 2) * sectorsPerCluster) * bytesPerSector / 512
    }

    @discardableResult
    static func tool(_ name: String, _ arguments: [String]) throws -> String {
        let (status, output) = run(name, arguments)
        guard status == 0 else {
            throw NSError(domain: "FATImage", code: Int(status),
                          userInfo: [NSLocalizedDescriptionKey: "\(name) \(arguments.joined(separator: " ")) failed: \(output)"])
        }
        return output
    }

    static func run(_ name: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MTOOLS_SKIP_CHECK"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (127, "\(name): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
