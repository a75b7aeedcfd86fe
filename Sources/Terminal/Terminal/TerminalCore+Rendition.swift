/// SGR: Select Graphic Rendition (`CSI Pm m`).
extension TerminalCore {
    mutating func selectGraphicRendition(_ parameters: VTParameters) {
        if parameters.isEmpty {
            pen = .blank
            return
        }
        var index = 0
        while index < parameters.count {
            let code = parameters[index]
            switch code {
            case 0: pen = .blank
            case 1: pen.attributes.insert(.bold)
            case 2: pen.attributes.insert(.faint)
            case 3: pen.attributes.insert(.italic)
            case 4:
                // 4:0 is "no underline"; 4:1…4:5 are underline styles, all drawn as one.
                if parameters.componentCount(at: index) > 1 && parameters.component(1, at: index) == 0 {
                    pen.attributes.remove(.underline)
                } else {
                    pen.attributes.insert(.underline)
                }
            case 5, 6: pen.attributes.insert(.blink)
            case 7: pen.attributes.insert(.inverse)
            case 8: pen.attributes.insert(.hidden)
            case 9: pen.attributes.insert(.strike)
            case 21: pen.attributes.insert(.underline)  // doubly underlined (xterm), drawn single
            case 22: pen.attributes.subtract([.bold, .faint])
            case 23: pen.attributes.remove(.italic)
            case 24: pen.attributes.remove(.underline)
            case 25: pen.attributes.remove(.blink)
            case 27: pen.attributes.remove(.inverse)
            case 28: pen.attributes.remove(.hidden)
            case 29: pen.attributes.remove(.strike)
            case 30 ... 37: pen.foreground = .indexed(UInt8(code - 30))
            case 38:
                let (color, consumed) = extendedColor(parameters, at: index)
                if let color { pen.foreground = color }
                index += consumed
            case 39: pen.foreground = .default
            case 40 ... 47: pen.background = .indexed(UInt8(code - 40))
            case 48:
                let (color, consumed) = extendedColor(parameters, at: index)
                if let color { pen.background = color }
                index += consumed
            case 49: pen.background = .default
            case 58:
                // Underline colour: parsed so its arguments are not misread as
                // SGR codes, but not kept (underlines use the foreground).
                let (_, consumed) = extendedColor(parameters, at: index)
                index += consumed
            case 90 ... 97: pen.foreground = .indexed(UInt8(code - 90 + 8))
            case 100 ... 107: pen.background = .indexed(UInt8(code - 100 + 8))
            default:
                break  // unknown codes are skipped, the rest of the list still applies
            }
            index += 1
        }
    }

    /// Reads the colour after a 38, 48 or 58 at parameter `index`, in either form:
    ///
    /// - colon (ITU T.416), all in one parameter: `38:5:n`, `38:2::r:g:b` (with the
    ///   empty colour-space id) or `38:2:r:g:b`;
    /// - semicolon (the older xterm form), spread over the following parameters:
    ///   `38;5;n`, `38;2;r;g;b`.
    ///
    /// Returns the colour (nil if malformed or out of range) and how many
    /// *extra* parameters the semicolon form used up.
    @inline(__always)
    private func extendedColor(_ parameters: VTParameters, at index: Int) -> (TerminalColor?, Int) {
        // The semicolon form `38;5;n` first: what nearly every program sends.
        if parameters.componentCount(at: index) <= 1 && index + 2 < parameters.count && parameters[index + 1] == 5 {
            return (indexedColor(parameters[index + 2]), 2)
        }
        let components = parameters.componentCount(at: index)
        if components > 1 {
            let kind = parameters.component(1, at: index)
            switch kind {
            case 5 where components >= 3:
                return (indexedColor(parameters.component(2, at: index)), 0)
            case 2 where components >= 6:
                return (rgbColor(parameters.component(3, at: index), parameters.component(4, at: index),
                                 parameters.component(5, at: index)), 0)
            case 2 where components == 5:
                return (rgbColor(parameters.component(2, at: index), parameters.component(3, at: index),
                                 parameters.component(4, at: index)), 0)
            default:
                return (nil, 0)
            }
        }
        let remaining = parameters.count - index - 1
        guard remaining >= 1 else { return (nil, 0) }
        switch parameters[index + 1] {
        case 5:
            guard remaining >= 2 else { return (nil, remaining) }
            return (indexedColor(parameters[index + 2]), 2)
        case 2:
            guard remaining >= 4 else { return (nil, remaining) }
            return (rgbColor(parameters[index + 2], parameters[index + 3], parameters[index + 4]), 4)
        default:
            return (nil, 1)
        }
    }

    private func indexedColor(_ value: UInt16) -> TerminalColor? {
        value <= 255 ? .indexed(UInt8(value)) : nil
    }

    private func rgbColor(_ red: UInt16, _ green: UInt16, _ blue: UInt16) -> TerminalColor? {
        guard red <= 255 && green <= 255 && blue <= 255 else { return nil }
        return .rgb(UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue))
    }
}
