import Foundation

/// Waits for a condition instead of sleeping a fixed time: polls `condition`
/// every `interval` until it holds or `timeout` (scaled by
/// `LUMEN_TEST_TIMEOUT_SCALE`) has passed, and says which. A fixed sleep
/// decides an outcome by the machine's speed; this decides it by what happened.
@discardableResult
public func eventually(timeout: TimeInterval, interval: TimeInterval = 0.02,
                       _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Deadline(after: TestSupportConfig.scaled(timeout))
    while true {
        if try condition() { return true }
        if deadline.remaining <= 0 { return false }
        usleep(useconds_t(min(interval, deadline.remaining) * 1_000_000))
    }
}
