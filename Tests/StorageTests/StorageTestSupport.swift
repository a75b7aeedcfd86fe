import Foundation
import XCTest
@testable import Storage

/// The clock every test volume uses: 2024-05-17 13:45:31.
let testTime = FATTimestamp(year: 2024, month: 5, day: 17, hour: 13, minute: 45, second: 31)
let testClock: () -> FATTimestamp = { testTime }

/// Bytes that differ from position to position (and from seed to seed), so a
/// misplaced sector shows.
func pattern(_ count: Int, seed: Int = 1) -> [UInt8] {
    var state = UInt32(truncatingIfNeeded: seed &* 2_654_435_761 &+ 12_345)
    return (0 ..< count).map { index in
        state = state &* 1_103_515_245 &+ 12_345
        return UInt8(truncatingIfNeeded: (state >> 16) ^ UInt32(truncatingIfNeeded: index))
    }
}

/// A freshly formatted RAM disk and the volume mounted on it.
func makeVolume(kind: FATKind, sectors: Int, sectorsPerCluster: Int = 0, label: String = "",
                cacheBytes: Int = FATVolume<RAMDisk>.defaultCacheBytes,
                file: StaticString = #filePath, line: UInt = #line) throws -> (RAMDisk, FATVolume<RAMDisk>) {
    let disk = RAMDisk(sectorCount: sectors)
    try FATFormatter.format(disk, options: FATFormatOptions(kind: kind, sectorsPerCluster: sectorsPerCluster, label: label),
                            clock: testClock)
    let volume = try FATVolume.mount(device: disk, clock: testClock, cacheBytes: cacheBytes)
    XCTAssertEqual(volume.kind, kind, "formatted kind", file: file, line: line)
    return (disk, volume)
}

/// Syncs and mounts the same disk again, as after a reboot.
func remount(_ volume: FATVolume<RAMDisk>, _ disk: RAMDisk) throws -> FATVolume<RAMDisk> {
    try volume.sync()
    return try FATVolume.mount(device: disk, clock: testClock)
}

/// The FATError `body` throws, or nil (with a test failure) when it does not.
func fatError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> FATError? {
    do {
        try body()
        XCTFail("expected a FATError, nothing was thrown", file: file, line: line)
        return nil
    } catch let error as FATError {
        return error
    } catch {
        XCTFail("expected a FATError, got \(error)", file: file, line: line)
        return nil
    }
}

/// The message of the `.corrupt` error `body` throws ("" when it throws something else).
func corruptMessage(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
    guard let error = fatError(body, file: file, line: line) else { return "" }
    guard case .corrupt(let message) = error else {
        XCTFail("expected .corrupt, got \(error)", file: file, line: line)
        return ""
    }
    return message
}

func names(_ entries: [FATDirectoryEntry]) -> [String] { entries.map(\.name).sorted() }

/// mkfs.fat, fsck.fat and mtools, run on image files in a temporary directory.
/// Foundation is fine here: this is host-only test support.
final class HostTools {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static func path(of tool: String) -> String? {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let candidate = dir + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Skips the test unless mkfs.fat, fsck.fat and mtools are installed.
    static func require() throws {
        for tool in ["mkfs.fat", "fsck.fat", "mcopy", "mdir", "mtype", "mmd"] where path(of: tool) == nil {
            throw XCTSkip("\(tool) is not installed")
        }
    }

    struct Result {
        var status: Int32
        var output: String
        var data: Data
    }

    @discardableResult
    func run(_ tool: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: HostTools.path(of: tool) ?? tool)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MTOOLS_SKIP_CHECK"] = "1"
        environment["MTOOLS_NO_VFAT"] = nil
        environment["LC_ALL"] = "C.UTF-8"  // mtools converts long names with the locale's charset
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = (String(data: data, encoding: .utf8) ?? "") + (String(data: errors, encoding: .utf8) ?? "")
        return Result(status: process.terminationStatus, output: text, data: data)
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// A new image of `kibibytes` made by mkfs.fat with `arguments` (e.g. ["-F", "12"]).
    func makeImage(_ name: String, kibibytes: Int, _ arguments: [String]) throws -> URL {
        let image = url(name)
        FileManager.default.createFile(atPath: image.path, contents: Data(count: kibibytes * 1024))
        let result = try run("mkfs.fat", arguments + [image.path])
        guard result.status == 0 else { throw NSError(domain: "mkfs.fat", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.output]) }
        return image
    }

    func load(_ image: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: image)) }

    func save(_ bytes: [UInt8], _ image: URL) throws { try Data(bytes).write(to: image) }

    /// `fsck.fat -n`: (clean, what it said).
    func fsck(_ image: URL) throws -> (clean: Bool, output: String) {
        let result = try run("fsck.fat", ["-n", image.path])
        return (result.status == 0, result.output)
    }

    /// The file's bytes as mtools reads them (mcopy to a host file), nil if mtools cannot.
    func readWithMtools(_ image: URL, _ path: String) throws -> [UInt8]? {
        let target = url("mcopy-out-\(UUID().uuidString)")
        let result = try run("mcopy", ["-n", "-i", image.path, "::" + path, target.path])
        guard result.status == 0 else { return nil }
        defer { try? FileManager.default.removeItem(at: target) }
        return [UInt8](try Data(contentsOf: target))
    }

    /// Copies `bytes` into the image as `path` with mcopy.
    func mcopy(_ bytes: [UInt8], into image: URL, as path: String) throws {
        let source = url("mcopy-in-\(UUID().uuidString)")
        try Data(bytes).write(to: source)
        defer { try? FileManager.default.removeItem(at: source) }
        let result = try run("mcopy", ["-i", image.path, source.path, "::" + path])
        XCTAssertEqual(result.status, 0, "mcopy \(path): \(result.output)")
    }

    func mmd(_ image: URL, _ path: String) throws {
        let result = try run("mmd", ["-i", image.path, "::" + path])
        XCTAssertEqual(result.status, 0, "mmd \(path): \(result.output)")
    }

    /// `mdir -b` (bare names with paths) of a directory, one entry per line.
    func mdirBare(_ image: URL, _ path: String) throws -> [String] {
        let result = try run("mdir", ["-b", "-i", image.path, "::" + path])
        return result.output.split(separator: "\n").map { String($0) }
    }
}
