import Foundation
import XCTest

/// Real DTBs from `qemu-system-aarch64 -M virt,dumpdtb=FILE`, dumped once per
/// configuration and cached for the whole test run.
enum QEMUDeviceTree {
    static let commandLine = "lumen.test=x foo"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `memoryMiB` of RAM; with `append`, also `-kernel` (QEMU refuses `-append`
    /// without one) so that the command line lands in /chosen/bootargs.
    static func dump(memoryMiB: Int, append: String? = commandLine) throws -> [UInt8] {
        let key = "\(memoryMiB)|\(append ?? "<none>")"
        return try cache.value(for: key) { try runQEMU(memoryMiB: memoryMiB, append: append) }
    }

    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: [UInt8]] = [:]

        func value(for key: String, _ make: () throws -> [UInt8]) throws -> [UInt8] {
            lock.lock()
            defer { lock.unlock() }
            if let value = values[key] { return value }
            let value = try make()
            values[key] = value
            return value
        }
    }

    static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/qemu-system-aarch64"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func runQEMU(memoryMiB: Int, append: String?) throws -> [UInt8] {
        guard let qemu = executable() else { throw XCTSkip("qemu-system-aarch64 not found on PATH") }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lumen-dtb-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dtb = directory.appendingPathComponent("virt.dtb")

        var arguments = ["-M", "virt,dumpdtb=\(dtb.path)", "-cpu", "cortex-a72", "-m", "\(memoryMiB)M",
                         "-nodefaults", "-display", "none"]
        if let append {
            // Never executed: dumpdtb exits once the tree is built. A `wfi; b .` loop anyway.
            let kernel = directory.appendingPathComponent("dummy-kernel.bin")
            try Data([0x7f, 0x20, 0x03, 0xd5, 0xff, 0xff, 0xff, 0x17]).write(to: kernel)
            arguments += ["-kernel", kernel.path, "-append", append]
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: qemu)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let log = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: log, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "qemu \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(text)")
        }
        guard let data = FileManager.default.contents(atPath: dtb.path), !data.isEmpty else {
            throw Failure(description: "qemu wrote no DTB: \(text)")
        }
        return [UInt8](data)
    }
}
