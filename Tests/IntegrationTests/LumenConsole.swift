import Foundation
import TestSupport
import XCTest

/// A booted Lumen at its `lumen>` prompt, driven over the serial port.
final class LumenConsole {
    let qemu: QEMUInstance

    /// Boots the kernel and waits for the prompt.
    init(memoryMiB: Int = 256, append: String? = nil, modern: Bool = false, devices: [String] = [],
         vnc: Bool = false, networkNamespace: String? = nil, testCase: XCTestCase) throws {
        var options = QEMUOptions(kernel: try LumenBuild.kernelPath())
        options.memoryMiB = memoryMiB
        options.append = append
        options.modern = modern
        options.devices = devices
        options.vnc = vnc
        options.networkNamespace = networkNamespace
        let qemu = try QEMUInstance(options)
        testCase.addTeardownBlock { qemu.kill() }
        self.qemu = qemu
        try qemu.waitForSerial("lumen> ", timeout: 20)
    }

    var bootLog: String { qemu.serialOutput }

    /// The screen once it has stopped changing (two screendumps 100 ms apart agree),
    /// so a frame still on its way on a loaded machine is not mistaken for the result.
    func settledScreen(timeout: TimeInterval = 5) throws -> PPMImage {
        usleep(100_000)
        var previous = try qemu.screendump()
        try eventually(timeout: timeout, interval: 0) {
            usleep(100_000)
            let current = try qemu.screendump()
            defer { previous = current }
            return current.pixels == previous.pixels
        }
        return previous
    }

    /// Screendumps until `predicate` holds (frames are paced, and a loaded machine
    /// can delay one); returns the last image either way.
    @discardableResult
    func waitForScreen(timeout: TimeInterval = 5, _ predicate: (PPMImage) -> Bool) throws -> PPMImage {
        try lastValue(timeout: timeout, interval: 0.05, { try qemu.screendump() }, until: predicate)
    }

    /// Types a command and returns what it printed, up to the next prompt.
    func run(_ command: String, timeout: TimeInterval = 10) throws -> String {
        let mark = qemu.serialOutput.endIndex
        qemu.typeOnSerial(command + "\r")
        let output = try qemu.waitForSerial("lumen> ", after: mark, timeout: timeout)
        return String(output[mark...])
    }

    /// Runs `command` and fails the test (showing the output) unless it printed `text`.
    func expect(_ command: String, prints text: String, timeout: TimeInterval = 10,
                file: StaticString = #filePath, line: UInt = #line) throws {
        let output = try run(command, timeout: timeout)
        XCTAssertTrue(output.contains(text), "\(command): " + output, file: file, line: line)
    }
}
