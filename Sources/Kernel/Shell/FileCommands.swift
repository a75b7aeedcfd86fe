import Drivers
import Shell
import Storage

/// The shell's file commands, over `Files` (the FAT volumes on the disks).
/// Errors are one line, "NAME: PATH: what went wrong", and a status of 1.
struct FileCommands {
    let machine: Machine

    func all() -> [KernelCommand] {
        [
            KernelCommand(name: "ls", summary: "list a directory", usage: "ls [-l] [PATH...]", run: ls),
            KernelCommand(name: "cat", summary: "print files (or standard input)", usage: "cat [FILE...]", run: cat),
            KernelCommand(name: "cp", summary: "copy a file", usage: "cp SOURCE TARGET", run: cp),
            KernelCommand(name: "mv", summary: "move or rename a file or directory", usage: "mv SOURCE TARGET", run: mv),
            KernelCommand(name: "rm", summary: "remove files", usage: "rm FILE...", run: { context in
                each(&context) { path throws(FilesError) in try machine.files.remove(path) }
            }),
            KernelCommand(name: "mkdir", summary: "make directories", usage: "mkdir DIRECTORY...", run: { context in
                each(&context) { path throws(FilesError) in try machine.files.makeDirectory(path) }
            }),
            KernelCommand(name: "rmdir", summary: "remove empty directories", usage: "rmdir DIRECTORY...", run: { context in
                each(&context) { path throws(FilesError) in try machine.files.removeDirectory(path) }
            }),
            KernelCommand(name: "touch", summary: "create files or update their time", usage: "touch FILE...", run: { context in
                each(&context) { path throws(FilesError) in try machine.files.touch(path) }
            }),
            KernelCommand(name: "df", summary: "size and free space of each volume", usage: "df", run: df),
            KernelCommand(name: "sync", summary: "write every cached change to the disks", usage: "sync", run: { context in
                var failed: [String] = []
                machine.files.syncAll { failed.append($0) }
                for line in failed { context.standardError.writeLine(line) }
                return failed.isEmpty ? 0 : 1
            }),
            KernelCommand(name: "hexdump", summary: "a file (or standard input) in hex and ASCII",
                          usage: "hexdump [FILE]", run: hexdump),
            KernelCommand(name: "lsblk", summary: "the disks, their size and file systems", usage: "lsblk", run: lsblk),
            KernelCommand(name: "disk-bench", summary: "disk throughput: raw reads, a big file, small files",
                          usage: "disk-bench [MiB] (default 64)") { DiskBench.run(&$0, files: machine.files) },
        ]
    }

    /// Runs `body` on each argument (resolved); reports failures and goes on.
    func each(_ context: inout KernelCommandContext, _ body: (String) throws(FilesError) -> Void) -> Int32 {
        guard !context.arguments.isEmpty else { return context.usageError() }
        var status: Int32 = 0
        for argument in context.arguments {
            let path = context.resolvePath(argument)
            do throws(FilesError) { try body(path) } catch {
                status = context.fail(FileCommands.message(error, argument))
            }
        }
        return status
    }

    /// "PATH: what" unless the error already names the path.
    static func message(_ error: FilesError, _ path: String) -> String {
        switch error {
        case .fat(.notFound), .fat(.notADirectory), .fat(.isADirectory), .fat(.exists), .fat(.directoryNotEmpty), .noVolume:
            return error.message
        default:
            return path + ": " + error.message
        }
    }

    func ls(_ context: inout KernelCommandContext) -> Int32 {
        var long = false
        var paths: [String] = []
        for argument in context.arguments {
            if argument == "-l" { long = true } else if argument.hasPrefix("-") { return context.usageError() } else { paths.append(argument) }
        }
        if paths.isEmpty { paths = ["."] }
        var status: Int32 = 0
        for (index, argument) in paths.enumerated() {
            let path = context.resolvePath(argument)
            do throws(FilesError) {
                let info = path == "/" ? nil : try machine.files.info(path)
                var entries: [FATDirectoryEntry]
                if let info, !info.isDirectory {
                    entries = [info]
                } else {
                    entries = try machine.files.list(path)
                    if paths.count > 1 { context.standardOutput.writeLine((index > 0 ? "\n" : "") + argument + ":") }
                }
                entries.sort { $0.name.lowercased() < $1.name.lowercased() }
                for entry in entries {
                    if long {
                        var size = entry.isDirectory ? "<DIR>" : "\(entry.size)"
                        while size.utf8.count < 10 { size = " " + size }
                        context.standardOutput.writeLine(timestamp(entry.modified) + size + "  " + entry.name + (entry.isDirectory ? "/" : ""))
                    } else {
                        context.standardOutput.writeLine(entry.name + (entry.isDirectory ? "/" : ""))
                    }
                }
            } catch {
                status = context.fail(FileCommands.message(error, argument))
            }
        }
        return status
    }

    func timestamp(_ time: FATTimestamp) -> String {
        "\(time.year)-" + two(time.month) + "-" + two(time.day) + " " + two(time.hour) + ":" + two(time.minute) + " "
    }

    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    func cat(_ context: inout KernelCommandContext) -> Int32 {
        if context.arguments.isEmpty {
            context.standardOutput.write(context.standardInput)
            return 0
        }
        var status: Int32 = 0
        for argument in context.arguments {
            if context.isInterrupted() { return 130 }
            do throws(FilesError) {
                context.standardOutput.write(try machine.files.readFile(context.resolvePath(argument)))
            } catch {
                status = context.fail(FileCommands.message(error, argument))
            }
        }
        return status
    }

    /// Copies in 1 MiB pieces (the file need not fit in memory twice), with a
    /// progress line on the terminal for copies of more than 4 MiB; Ctrl-C stops
    /// it, leaving the part copied so far.
    func cp(_ context: inout KernelCommandContext) -> Int32 {
        guard context.arguments.count == 2 else { return context.usageError() }
        let source = context.resolvePath(context.arguments[0])
        var target = context.resolvePath(context.arguments[1])
        do throws(FilesError) {
            let info = try machine.files.info(source)
            if info.isDirectory { return context.fail(context.arguments[0] + ": is a directory (cp copies files)") }
            if machine.files.isDirectory(target) {
                let name = source.split(separator: "/").last.map(String.init) ?? info.name
                target = (target == "/" ? "" : target) + "/" + name
            }
            if target == source { return context.fail(context.arguments[1] + ": is the same file") }
            let (sourceVolume, sourcePath) = try machine.files.route(source)
            let (targetVolume, targetPath) = try machine.files.route(target)
            try machine.files.fat { () throws(FATError) in try targetVolume.writeFile(targetPath, []) }
            let chunk = 1 << 20
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096)
            defer { buffer.deallocate() }
            var offset: UInt64 = 0
            let total = info.size
            let showProgress = total > 4 << 20
            while offset < total {
                if context.isInterrupted() {
                    if showProgress { context.shell.writeToTerminal("\n") }
                    return 130
                }
                let count = try machine.files.fat { () throws(FATError) in
                    try sourceVolume.read(sourcePath, offset: offset, into: buffer)
                }
                if count == 0 { break }
                try machine.files.fat { () throws(FATError) in
                    try targetVolume.write(targetPath, offset: offset, from: UnsafeRawBufferPointer(rebasing: buffer[0 ..< count]))
                }
                offset += UInt64(count)
                if showProgress {
                    context.shell.writeToTerminal("\r" + "cp: \(offset >> 20) of \(total >> 20) MiB (\(offset * 100 / total)%)")
                }
            }
            if showProgress { context.shell.writeToTerminal("\n") }
            return 0
        } catch {
            return context.fail(FileCommands.message(error, context.arguments[0]))
        }
    }

    func mv(_ context: inout KernelCommandContext) -> Int32 {
        guard context.arguments.count == 2 else { return context.usageError() }
        let source = context.resolvePath(context.arguments[0])
        var target = context.resolvePath(context.arguments[1])
        if machine.files.isDirectory(target) && source != target {
            let name = source.split(separator: "/").last.map(String.init) ?? ""
            target = (target == "/" ? "" : target) + "/" + name
        }
        do throws(FilesError) { try machine.files.rename(source, target) } catch {
            return context.fail(FileCommands.message(error, context.arguments[0]))
        }
        return 0
    }

    func df(_ context: inout KernelCommandContext) -> Int32 {
        context.standardOutput.writeLine("disk  type   size        used        free        mounted on")
        for (index, disk) in machine.disks.disks.enumerated() {
            guard let volume = disk.volume else {
                context.standardOutput.writeLine(pad(disk.device.name, 6) + "-      not mounted: " + (disk.problem ?? ""))
                continue
            }
            let used = volume.totalBytes - volume.freeBytes
            context.standardOutput.writeLine(pad(disk.device.name, 6) + pad(volume.kind.name, 7) + pad(formatBytes(volume.totalBytes), 12)
                                             + pad(formatBytes(used), 12) + pad(formatBytes(volume.freeBytes), 12)
                                             + machine.disks.mountPoint(index) + (volume.isReadOnly ? " (read-only)" : ""))
        }
        if machine.disks.disks.isEmpty { context.standardOutput.writeLine("(no disks)") }
        return 0
    }

    func lsblk(_ context: inout KernelCommandContext) -> Int32 {
        guard !machine.disks.disks.isEmpty else {
            context.standardOutput.writeLine("no disks (attach one with -drive if=none,id=d0,file=IMAGE -device virtio-blk-device,drive=d0)")
            return 0
        }
        for (index, disk) in machine.disks.disks.enumerated() {
            let driver = disk.device.driver
            var line = pad(disk.device.name, 6) + pad(formatBytes(disk.device.byteCount), 12)
                + (driver.isReadOnly ? "ro  " : "rw  ")
            line += disk.volume.map { "\($0.kind.name) " + ($0.label.isEmpty ? "" : "'\($0.label)' ") + "on " + machine.disks.mountPoint(index) }
                ?? ("not mounted: " + (disk.problem ?? ""))
            var features: [String] = []
            if driver.supportsFlush { features.append("flush") }
            if driver.supportsDiscard { features.append("discard") }
            if driver.supportsWriteZeroes { features.append("write-zeroes") }
            if driver.isBroken { features.append("BROKEN: " + (driver.brokenReason ?? "")) }
            if !features.isEmpty { line += " [" + features.joined(separator: ", ") + "]" }
            context.standardOutput.writeLine(line)
            // How the driver learned of completions: a lost or masked interrupt
            // shows as completions found by its 10 ms poll.
            let statistics = driver.statistics
            context.standardOutput.writeLine("      \(statistics.deviceRequests) device requests, \(statistics.interrupts) interrupts, "
                                             + "\(statistics.polledCompletions) completions found by polling")
        }
        return 0
    }

    func hexdump(_ context: inout KernelCommandContext) -> Int32 {
        guard context.arguments.count <= 1 else { return context.usageError() }
        var bytes = context.standardInput
        if let argument = context.arguments.first {
            do throws(FilesError) { bytes = try machine.files.readFile(context.resolvePath(argument)) } catch {
                return context.fail(FileCommands.message(error, argument))
            }
        }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var offset = 0
        while offset < bytes.count {
            if offset & 0xFFF == 0 && context.isInterrupted() { return 130 }
            var line: [UInt8] = []
            for shift in stride(from: 28, through: 0, by: -4) { line.append(digits[(offset >> shift) & 15]) }
            line += [32, 32]
            let end = min(offset + 16, bytes.count)
            for index in offset ..< offset + 16 {
                if index < end {
                    line.append(digits[Int(bytes[index] >> 4)])
                    line.append(digits[Int(bytes[index] & 15)])
                } else {
                    line += [32, 32]
                }
                line.append(32)
                if index == offset + 7 { line.append(32) }
            }
            line += [32, UInt8(ascii: "|")]
            for index in offset ..< end { line.append(bytes[index] >= 0x20 && bytes[index] < 0x7F ? bytes[index] : UInt8(ascii: ".")) }
            line += [UInt8(ascii: "|"), 10]
            context.standardOutput.write(line)
            offset = end
        }
        return 0
    }

    func pad(_ text: String, _ width: Int) -> String {
        var text = text
        while text.utf8.count < width { text += " " }
        return text + (text.utf8.count > width ? " " : "")
    }
}
