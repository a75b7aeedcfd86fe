import Foundation
import Text

/// The kernel's four DejaVu Sans Mono faces, read from the host's
/// fonts-dejavu-core, for tests that draw text as the kernel does. Keeps the
/// font files' bytes alive as long as the faces.
public final class HostFonts {
    public static let directory = "/usr/share/fonts/truetype/dejavu/"
    public static let files = ["DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
                               "DejaVuSansMono-BoldOblique.ttf"]

    public let data: [Data]
    public let library: FontLibrary
    public let fonts: FontSet

    public init() throws {
        data = try HostFonts.files.map { try Data(contentsOf: URL(fileURLWithPath: HostFonts.directory + $0)) }
        library = try FontLibrary()
        let data = self.data
        fonts = try FontSet(library: library) { style in
            data[Int(style.rawValue)].withUnsafeBytes { UnsafeRawBufferPointer(start: $0.baseAddress, count: $0.count) }
        }
    }
}
