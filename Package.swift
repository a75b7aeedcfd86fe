// swift-tools-version: 6.1
// Lumen builds twice from these sources (see ARCHITECTURE.md):
//  - host: `swift build` / `swift test` build every portable module plus host-only
//    test support;
//  - kernel: `scripts/build-kernel` sets LUMEN_KERNEL=1 and builds for
//    aarch64-none-none-elf with a generated toolset file that turns on Embedded Swift.
import PackageDescription
import Foundation

let kernelBuild = ProcessInfo.processInfo.environment["LUMEN_KERNEL"] == "1"

// Portable modules: build on the host and in the kernel.
var targets: [Target] = [
    .target(name: "Platform"),
    // Byte order and the Internet checksum, below everything that parses bytes.
    .target(name: "Wire"),
    .target(name: "DeviceTree", dependencies: ["Wire"]),
    .target(name: "VirtIO", dependencies: ["Platform"]),
    .target(name: "Drivers", dependencies: ["Platform", "VirtIO", "Wire"]),
    .target(name: "Entropy"),
    .target(name: "Graphics"),
    .target(name: "Terminal"),
    .target(name: "Keyboard"),
    // CFreeType is declared below: from pkg-config on the host, from the sysroot in the kernel.
    .target(name: "Text", dependencies: ["CFreeType", "Graphics"]),
    .target(name: "Console", dependencies: ["Terminal", "Text", "Graphics"]),
    .target(name: "Storage", dependencies: ["Wire"]),
    .target(name: "Shell"),
    .target(name: "Network", dependencies: ["Wire"]),
    .target(name: "Scheduling"),
]

var products: [Product] = []

if kernelBuild {
    targets += [
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType"),
        .target(name: "KernelSupport"),
        .target(
            name: "Kernel",
            dependencies: ["Platform", "DeviceTree", "VirtIO", "Drivers", "Entropy", "Graphics", "Terminal", "Text",
                           "Console", "Keyboard", "Storage", "Shell", "Network", "Scheduling", "Wire", "KernelSupport", "CFreeType"]),
    ]
} else {
    targets += [
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2",
                       providers: [.apt(["libfreetype-dev"])]),
        // Host-only: drives QEMU for the integration tests (Foundation allowed here).
        .target(name: "TestSupport", dependencies: ["Text"]),
        .testTarget(name: "DeviceTreeTests", dependencies: ["DeviceTree", "TestSupport"]),
        .testTarget(name: "IntegrationTests",
                    dependencies: ["TestSupport", "DeviceTree", "Drivers", "Console", "Terminal", "Text", "Graphics",
                                   "TerminalReference"]),
        .testTarget(name: "VirtIOTests", dependencies: ["VirtIO", "Drivers", "Platform"]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "EntropyTests", dependencies: ["Entropy"]),
        .testTarget(name: "GraphicsTests", dependencies: ["Graphics"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal"]),
        // libvterm (Debian's libvterm-dev) behind a tiny C harness: the reference
        // emulator of the differential tests.
        .target(name: "TerminalReference", linkerSettings: [.linkedLibrary("vterm")]),
        .testTarget(name: "TerminalDifferentialTests", dependencies: ["Terminal", "TerminalReference"]),
        .testTarget(name: "TextTests", dependencies: ["Text", "Graphics"]),
        .testTarget(name: "DriversTests", dependencies: ["Drivers", "Platform", "VirtIO"]),
        .testTarget(name: "InputTests", dependencies: ["Drivers", "Keyboard", "VirtIO", "Platform"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell"]),
        .testTarget(name: "NetworkTests", dependencies: ["Network"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling"]),
        .testTarget(name: "VirtualConsoleTests", dependencies: ["Console", "Terminal", "Text", "Graphics", "TestSupport"]),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
    ]
}

let package = Package(
    name: "Lumen",
    products: products,
    targets: targets,
    swiftLanguageModes: [.v5]
)
