import Foundation

/// Locating the artefacts the integration tests boot.
public enum LumenBuild {
    /// The package root (the directory holding Package.swift), derived from this source
    /// file's location: <root>/Sources/TestSupport/LumenBuild.swift.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()   // TestSupport
            .deletingLastPathComponent()   // Sources
            .deletingLastPathComponent()   // root
    }

    /// Where scripts/build-kernel puts the kernel: <root>/.build-kernel/lumen.elf.
    public static var defaultKernelPath: String {
        packageRoot.appendingPathComponent(".build-kernel/lumen.elf").path
    }

    /// `$LUMEN_KERNEL_ELF` if set (relative paths are taken relative to the package root),
    /// else `defaultKernelPath`. Throws `TestSupportError.kernelNotBuilt` ("kernel not built:
    /// run scripts/build-kernel ...") if the file does not exist; tests typically turn that
    /// into `XCTSkip`.
    public static func kernelPath() throws -> String {
        let path: String
        if let env = ProcessInfo.processInfo.environment["LUMEN_KERNEL_ELF"], !env.isEmpty {
            path = env.hasPrefix("/") ? env : packageRoot.appendingPathComponent(env).path
        } else {
            path = defaultKernelPath
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw TestSupportError.kernelNotBuilt(
                "kernel not built: run scripts/build-kernel (looked for \(path)"
                + (ProcessInfo.processInfo.environment["LUMEN_KERNEL_ELF"] != nil ? ", from $LUMEN_KERNEL_ELF)" : ")"))
        }
        return path
    }

    /// True when `kernelPath()` would succeed.
    public static var isKernelBuilt: Bool { (try? kernelPath()) != nil }
}
