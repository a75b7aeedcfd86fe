import Graphics

/// `lumen.test=pattern`: a picture a test can compute on the host and compare
/// pixel for pixel. Top half: eight vertical bars; third quarter: a 16-pixel
/// checkerboard; last quarter: a grey ramp from black to white.
enum TestPattern {
    static let bars: [UInt32] = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000]

    static func draw(on screen: Screen) {
        guard let surface = screen.surface else { return }
        screen.beginDrawing()
        let width = surface.width, height = surface.height
        for y in 0..<height {
            let row = surface.row(y)
            for x in 0..<width {
                let pixel: UInt32
                if y < height / 2 {
                    pixel = TestPattern.bars[x * 8 / width]
                } else if y < height * 3 / 4 {
                    pixel = (x / 16 + y / 16) & 1 == 0 ? 0xffffff : 0x000000
                } else {
                    let level = UInt32(width > 1 ? x * 255 / (width - 1) : 0)
                    pixel = level << 16 | level << 8 | level
                }
                row[x] = pixel
            }
        }
        screen.markAllDamaged()
    }
}
