import Graphics

/// What the screen shows until the terminal takes over: a title bar and the boot
/// log (banner, device table), drawn with FreeType.
enum BootScreen {
    static let background = Color(xrgb: 0x0016_1821)
    static let titleBackground = Color(xrgb: 0x0030_5080)
    static let foreground = Color(xrgb: 0x00d8_dee9)
    static let titleForeground = Color.white
    static var lines: [String] = []
    static var painter: TextPainter? = nil

    /// Remembers a log line and draws it.
    static func log(_ line: String) {
        lines.append(line)
        draw()
    }

    static func draw() {
        guard let surface = Screen.surface, let painter else { return }
        Screen.beginDrawing()
        surface.clear(background)
        let bar = painter.lineHeight + 8
        surface.fill(Rect(x: 0, y: 0, width: surface.width, height: bar), color: titleBackground)
        painter.draw("Lumen \(Kernel.version) \u{2014} Embedded Swift on QEMU virt (" + Screen.backendName
                     + " \(surface.width)x\(surface.height))", at: Point(x: 8, y: 4), color: titleForeground, on: surface)
        var y = bar + 8
        let visible = max(0, (surface.height - y) / painter.lineHeight)
        for line in lines.suffix(visible) {
            painter.draw(line, at: Point(x: 8, y: y), color: foreground, on: surface)
            y += painter.lineHeight
        }
        Screen.markAllDamaged()
    }
}

/// `lumen.test=pattern`: a picture a test can compute on the host and compare
/// pixel for pixel. Top half: eight vertical bars; third quarter: a 16-pixel
/// checkerboard; last quarter: a grey ramp from black to white.
enum TestPattern {
    static let bars: [UInt32] = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000]

    static func draw() {
        guard let surface = Screen.surface else { return }
        Screen.beginDrawing()
        let width = surface.width, height = surface.height
        for y in 0..<height {
            let row = surface.row(y)
            for x in 0..<width {
                let pixel: UInt32
                if y < height / 2 {
                    pixel = bars[x * 8 / width]
                } else if y < height * 3 / 4 {
                    pixel = (x / 16 + y / 16) & 1 == 0 ? 0xffffff : 0x000000
                } else {
                    let level = UInt32(width > 1 ? x * 255 / (width - 1) : 0)
                    pixel = level << 16 | level << 8 | level
                }
                row[x] = pixel
            }
        }
        Screen.markAllDamaged()
    }
}
