import Console
import Drivers
import Graphics
import Platform

/// `display` and `edid`: what the screen is, its driver's statistics, and tools to
/// measure it (a damage flush of one rectangle; full-frame and one-line timings).
struct DisplayCommands {
    let machine: Machine

    func display(_ arguments: [Substring]) {
        switch arguments.first {
        case nil: info()
        case "damage"?: damage(Array(arguments.dropFirst()))
        case "bench"?: bench()
        case "cursor"?: cursor(Array(arguments.dropFirst()))
        default: print("usage: display [damage X Y W H | cursor X Y | bench]")
        }
    }

    func info() {
        guard machine.screen.backend != .none else {
            print("display: none")
            return
        }
        print("display: " + machine.screen.backendName + " \(machine.screen.size.width)x\(machine.screen.size.height), \(machine.screen.framesPresented) frames presented")
        if let gpu = machine.screen.gpu {
            let s = gpu.statistics
            print("virtio-gpu: resource \(machine.screen.resourceID), scanouts " + machine.screen.scanouts.map { scanout in
                "\(scanout.index):\(scanout.width)x\(scanout.height)" + (scanout.enabled ? "" : "(off)")
            }.joined(separator: " "))
            print("virtio-gpu: \(s.commands) commands, \(s.transfers) transfers, \(s.bytesTransferred) bytes transferred, "
                  + "\(s.flushes) flushes, \(s.fencesCompleted) fences, \(s.displayChanges) display changes, \(s.cursorUpdates) cursor updates")
        }
    }

    /// Fills one rectangle and presents it at once; prints what the transfer moved.
    func damage(_ arguments: [Substring]) {
        let numbers = arguments.compactMap { Int($0) }
        guard numbers.count == 4, let surface = machine.screen.surface else {
            print("usage: display damage X Y W H")
            return
        }
        let rect = Rect(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3]).clamped(to: surface.size)
        machine.screen.present()  // send anything already pending first, so the figure is this rectangle's alone
        let start = machine.screen.gpu?.statistics.bytesTransferred ?? 0
        machine.screen.beginDrawing()
        surface.fill(rect, color: Color(xrgb: 0x00ff_8000))
        machine.screen.damage.add(rect)
        machine.screen.present()
        let after = machine.screen.gpu?.statistics.bytesTransferred ?? 0
        print("display damage: \(rect.width)x\(rect.height) at \(rect.x),\(rect.y): \(after - start) bytes transferred")
    }

    /// The console's worst case: every cell of a screen full of text drawn
    /// from the glyph cache and the whole frame presented (a console switch or
    /// a font change does this). The text goes to the active console.
    func consoleRedraw() {
        guard let consoles = machine.console.consoles else { return }
        let rows = consoles.rows, columns = consoles.columns
        var text: [UInt8] = []
        for row in 0 ..< rows {
            text += [13, 10]
            for column in 0 ..< columns - 1 { text.append(UInt8(0x21 + (row * 7 + column) % 94)) }
        }
        text.withUnsafeBufferPointer { machine.console.write($0, console: consoles.active) }
        let redraws = 10
        let start = GenericTimer.now()
        for _ in 0 ..< redraws {
            machine.console.withConsoles { $0.redrawAll() }
            machine.screen.present()
            if let gpu = machine.screen.gpu { try? gpu.waitForFence(machine.screen.lastFence) }
        }
        let each = GenericTimer.now().nanoseconds(since: start) / UInt64(redraws)
        print("display bench: full console redraw (\(columns)x\(rows) cells, drawn and presented): "
              + "\(each / 1000) us")
    }

    /// Shows the hardware pointer at X, Y (virtio-gpu's cursor queue).
    func cursor(_ arguments: [Substring]) {
        let numbers = arguments.compactMap { Int($0) }
        guard numbers.count == 2 else {
            print("usage: display cursor X Y")
            return
        }
        guard let gpu = machine.screen.gpu, let cursor = machine.screen.preparePointerCursor(), cursor.isAvailable else {
            print("display cursor: no hardware cursor (virtio-gpu only)")
            return
        }
        cursor.move(to: Point(x: numbers[0], y: numbers[1]))
        print("display cursor: at \(numbers[0]),\(numbers[1]), \(gpu.statistics.cursorUpdates) cursor commands sent")
    }

    /// Full-screen frames per second, and the time to flush one text line.
    func bench() {
        guard let surface = machine.screen.surface else {
            print("display bench: no display")
            return
        }
        let frames = 30
        let start = GenericTimer.now()
        for frame in 0..<frames {
            machine.screen.beginDrawing()
            surface.clear(frame & 1 == 0 ? Color(xrgb: 0x0020_2020) : Color(xrgb: 0x0040_4040))
            machine.screen.damage.addAll()
            machine.screen.present()
            if let gpu = machine.screen.gpu { try? gpu.waitForFence(machine.screen.lastFence) }
        }
        let elapsed = GenericTimer.now().nanoseconds(since: start)
        let fps = elapsed > 0 ? UInt64(frames) * 1_000_000_000 * 100 / elapsed : 0
        print("display bench: \(surface.width)x\(surface.height) full frames: \(fps / 100).\(fps % 100) fps")
        // One line of 16-pixel text across the screen.
        let line = Rect(x: 0, y: surface.height / 2, width: surface.width, height: 19)
        let flushes = 100
        let lineStart = GenericTimer.now()
        for index in 0..<flushes {
            machine.screen.beginDrawing()
            surface.fill(line, color: index & 1 == 0 ? Color.white : Color.gray)
            machine.screen.damage.add(line)
            machine.screen.present()
            if let gpu = machine.screen.gpu { try? gpu.waitForFence(machine.screen.lastFence) }
        }
        let perLine = GenericTimer.now().nanoseconds(since: lineStart) / UInt64(flushes)
        print("display bench: one-line flush (\(line.width)x\(line.height)): \(perLine / 1000) us")
        consoleRedraw()
        machine.screen.redraw?()
        machine.screen.present()
    }

    /// The raw EDID of scanout 0 in hex, and what it says.
    func edid() {
        guard let gpu = machine.screen.gpu else {
            print("edid: no virtio-gpu")
            return
        }
        do throws(GPUError) {
            let bytes = try gpu.edid(scanout: 0)
            bytes.withUnsafeBytes { SystemCommands(machine: machine).printHex($0) }
            let parsed: Result<EDID, EDIDError> = bytes.withUnsafeBytes { raw in
                do throws(EDIDError) { return .success(try EDID(bytes: raw)) } catch { return .failure(error) }
            }
            switch parsed {
            case .success(let edid):
                if let mode = edid.preferredMode {
                    print("edid: \(bytes.count) bytes, preferred mode \(mode.width)x\(mode.height)@\(mode.refreshHz)")
                } else {
                    print("edid: \(bytes.count) bytes, no preferred mode")
                }
            case .failure(let error):
                print("edid: " + error.message)
            }
        } catch {
            print(error.message)
        }
    }
}
