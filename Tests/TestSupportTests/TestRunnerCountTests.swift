import Foundation
import TestSupport
import XCTest

/// `scripts/test` counts tests from the line XCTest prints as each one ends.
/// It used to read only the summary's "with N failures" form, so a run with a
/// skip ("with 1 test skipped and 0 failures") was not counted right and still
/// passed; a fuzzer whose run count could not be read passed too.
final class TestRunnerCountTests: XCTestCase {
    /// Runs `script` in bash with scripts/lib/common.sh sourced; its stdout.
    func bash(_ script: String) throws -> (output: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -euo pipefail; source scripts/lib/common.sh; " + script]
        process.currentDirectoryURL = LumenBuild.packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    func temporaryFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-runner-\(UUID().uuidString).log")
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testPassedFailedAndSkippedAreCountedFromEachTestsLine() throws {
        let log = try temporaryFile("""
            Test Suite 'All tests' started at 2026-12-08 01:00:00.000
            Test Case 'A.testOne' started at 2026-12-08 01:00:00.000
            Test Case 'A.testOne' passed (0.1 seconds)
            Test Case 'A.testTwo' started at 2026-12-08 01:00:00.100
            output without a newlineTest Case 'A.testTwo' skipped (0.0 seconds)
            Test Case 'A.testThree' started at 2026-12-08 01:00:00.100
            /x.swift:3: error: A.testThree : XCTAssertTrue failed
            Test Case 'A.testThree' failed (1.5 seconds)
            \t Executed 3 tests, with 1 test skipped and 1 failure (1 unexpected) in 1.6 (1.6) seconds

            """)
        let result = try bash("lumen_test_counts '\(log.path)'")
        XCTAssertEqual(result.output, "1 1 1 3\n")
    }

    func testALogWithoutTestsCountsNothing() throws {
        let log = try temporaryFile("error: fatal error before any test ran\n")
        XCTAssertEqual(try bash("lumen_test_counts '\(log.path)'").output, "0 0 0 -\n")
    }

    func testAFuzzRunWhoseCountCannotBeReadFails() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let unreadable = try temporaryFile("INFO: Seed: 1\nDone.\n")
        let none = try bash("lumen_fuzz_verdict fuzz-x 0 '\(unreadable.path)' '\(directory.path)' 1 ERROR")
        XCTAssertNotEqual(none.status, 0, none.output)
        let counted = try temporaryFile("stat::number_of_executed_units: 1234\n")
        let ran = try bash("lumen_fuzz_verdict fuzz-x 0 '\(counted.path)' '\(directory.path)' 1 ERROR")
        XCTAssertEqual(ran.status, 0)
        XCTAssertTrue(ran.output.contains("1234 runs"), ran.output)
        let crashed = try bash("lumen_fuzz_verdict fuzz-x 77 '\(counted.path)' '\(directory.path)' 1 ERROR")
        XCTAssertNotEqual(crashed.status, 0)
    }
}
