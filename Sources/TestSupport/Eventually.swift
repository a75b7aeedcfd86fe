import Foundation

/// Waits for a value instead of sleeping a fixed time: calls `produce` every
/// `interval` until its value satisfies `done` or `timeout` (scaled by
/// `LUMEN_TEST_TIMEOUT_SCALE`) has passed, and returns the last value (the one
/// to report when it never did). A fixed sleep decides an outcome by the
/// machine's speed; this decides it by what happened.
public func lastValue<T>(timeout: TimeInterval, interval: TimeInterval = 0.02, _ produce: () throws -> T,
                         until done: (T) -> Bool) rethrows -> T {
    let deadline = Deadline(after: TestSupportConfig.scaled(timeout))
    while true {
        let value = try produce()
        if done(value) || deadline.remaining <= 0 { return value }
        usleep(useconds_t(min(interval, deadline.remaining) * 1_000_000))
    }
}

/// Polls `condition` the same way until it holds or the time is up, and says which.
@discardableResult
public func eventually(timeout: TimeInterval, interval: TimeInterval = 0.02,
                       _ condition: () throws -> Bool) rethrows -> Bool {
    try lastValue(timeout: timeout, interval: interval, condition, until: { $0 })
}
