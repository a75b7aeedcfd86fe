import Foundation

/// Every error thrown by TestSupport. The associated string is a complete, human-readable
/// message (for `.timeout` and `.exited` it includes the tail of QEMU's serial output and
/// stderr), so `XCTFail("\(error)")` is enough to diagnose a failure.
public enum TestSupportError: Error, CustomStringConvertible, Sendable {
    /// A bounded wait ran out of time (serial text, QMP reply, VNC state, process exit, ...).
    case timeout(String)
    /// QMP failed: the command returned `{"error": ...}`, or the monitor connection broke.
    case qmp(String)
    /// QEMU (or a helper) could not be started, or died during start-up.
    case launch(String)
    /// A peer (QEMU's VNC server, QMP, a PPM file) sent something we could not parse.
    case protocolError(String)
    /// QEMU exited while we were waiting for something that can therefore never happen.
    case exited(String)
    /// The caller passed something unusable (e.g. a character `typeKeys` cannot type).
    case invalidArgument(String)
    /// The kernel ELF the integration tests boot is missing. Tests usually turn this
    /// into `XCTSkip`. The message starts with "kernel not built: run scripts/build-kernel".
    case kernelNotBuilt(String)

    public var description: String {
        switch self {
        case .timeout(let m): return "TestSupport timeout: \(m)"
        case .qmp(let m): return "TestSupport QMP error: \(m)"
        case .launch(let m): return "TestSupport launch error: \(m)"
        case .protocolError(let m): return "TestSupport protocol error: \(m)"
        case .exited(let m): return "TestSupport: QEMU exited: \(m)"
        case .invalidArgument(let m): return "TestSupport invalid argument: \(m)"
        case .kernelNotBuilt(let m): return m
        }
    }

    /// Just the message, without the "TestSupport ..." prefix.
    public var message: String {
        switch self {
        case .timeout(let m), .qmp(let m), .launch(let m), .protocolError(let m),
             .exited(let m), .invalidArgument(let m), .kernelNotBuilt(let m):
            return m
        }
    }
}

extension TestSupportError: LocalizedError {
    public var errorDescription: String? { description }
}
