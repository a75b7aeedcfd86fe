import Foundation
import TestSupport
import XCTest

/// `scripts/bench.py --smoke` against Lumen only (no Linux download in tests):
/// every workload of the report is present with a number; "not yet" only for a
/// row that is not implemented.
final class BenchSmokeTests: XCTestCase {
    func testSmokeRunReportsEveryWorkload() throws {
        let kernel = try LumenBuild.kernelPath()
        let out = NSTemporaryDirectory() + "lumen-bench-\(UUID().uuidString.prefix(8))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", LumenBuild.packageRoot.appendingPathComponent("scripts/bench.py").path,
                             "--kernel", kernel, "--out", out, "--smoke"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let deadline = Date().addingTimeInterval(240)
        while process.isRunning && Date() < deadline { usleep(100_000) }
        if process.isRunning { process.terminate() }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, output)
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/bench.json"))
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let workloads = try XCTUnwrap(report["workloads"] as? [String: [String: Any]])
        // Rows the bench lists but Lumen cannot run yet: the only ones that may say
        // "not yet". Every row is implemented today, so a "not yet" is a broken row.
        let notImplemented: Set<String> = []
        let required = ["boot_to_prompt_ms", "boot_to_first_frame_ms", "cat_1mib_mbps", "key_to_pixel_ms",
                        "caps_led_during_cat_ms", "ctrl_c_during_cat_ms", "context_switch_us", "timer_wakeup_us",
                        "block_raw_read_mbps", "block_file_read_mbps", "block_file_write_mbps", "block_small_files_per_s",
                        "net_tcp_download_mbps", "net_ping_rtt_ms", "net_tap_offload_mbps", "net_tap_no_offload_mbps",
                        "rng_bytes_per_s", "idle_cpu_percent", "image_bytes", "ram_in_use_bytes"]
        for name in required { XCTAssertNotNil(workloads[name], "\(name) missing") }
        for (name, row) in workloads.sorted(by: { $0.key < $1.key }) {
            let value = try XCTUnwrap(row["lumen"], "\(name) has no Lumen value")
            if let text = value as? String {
                XCTAssertTrue(notImplemented.contains(name), "\(name): \(text)")
            } else if let summary = value as? [String: Any] {
                let median = summary["median"] as? Double
                XCTAssertNotNil(median, name)
                XCTAssertGreaterThanOrEqual(median ?? -1, 0, name)
            } else {
                XCTAssertNotNil(value as? NSNumber, name)
            }
        }
        XCTAssertTrue(output.contains("boot to serial prompt"), output)
    }
}
