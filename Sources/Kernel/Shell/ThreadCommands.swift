import KernelSupport
import Platform
import Scheduling
import Shell

/// `sleep`, `threads` and `threads bench`: the kernel's threads seen from the shell.
struct ThreadCommands {
    let machine: Machine

    func all() -> [KernelCommand] {
        [
            KernelCommand(name: "sleep", summary: "wait SECONDS (a fraction is fine); Ctrl-C stops it",
                          usage: "sleep SECONDS", run: sleep),
            KernelCommand(name: "threads", summary: "the kernel's threads, or how fast they switch",
                          usage: "threads [bench]", run: threads),
        ]
    }

    func sleep(_ context: inout KernelCommandContext) -> Int32 {
        guard context.arguments.count == 1, let milliseconds = parseSeconds(context.arguments[0]) else {
            return context.usageError()
        }
        // The shell's thread blocks; the timer's interrupt wakes it (or Ctrl-C).
        return Threads.sleep(milliseconds: milliseconds, cancellable: true) ? 0 : 130
    }

    /// "1", "0.25", "2.5": milliseconds, at most a day.
    func parseSeconds(_ text: String) -> UInt64? {
        var milliseconds: UInt64 = 0
        var fractionDigits = -1  // -1: no '.' yet
        var digits = 0
        for byte in text.utf8 {
            if byte == 0x2E {
                guard fractionDigits < 0 else { return nil }
                fractionDigits = 0
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            if fractionDigits >= 0 {
                guard fractionDigits < 3 else { return nil }
                fractionDigits += 1
            } else {
                guard digits < 5 else { return nil }
            }
            digits += 1
            milliseconds = milliseconds * 10 + UInt64(byte - 0x30)
        }
        guard digits > 0, fractionDigits != 0 else { return nil }
        for _ in 0..<(3 - max(fractionDigits, 0)) { milliseconds *= 10 }
        return milliseconds <= 86_400_000 ? milliseconds : nil
    }

    func threads(_ context: inout KernelCommandContext) -> Int32 {
        if context.arguments == ["bench"] { return bench(&context) }
        guard context.arguments.isEmpty, let system = Threads.system else { return context.usageError() }
        context.standardOutput.writeLine("  id  name        priority    state     switches   cpu ms  stack")
        for thread in system.kernelThreads {
            let control = thread.control
            let state: String
            switch control.state {
            case .running: state = "running"
            case .ready: state = "ready"
            case .blocked: state = control.waitingOn.map { "wait " + text($0.name) } ?? "sleep"
            case .exited: state = "exited"
            }
            let stack = "\((thread.stackTop - thread.stackBottom) >> 10) KiB" + (thread.guarded ? " +guard" : "")
            context.standardOutput.writeLine(pad("\(control.id)", 4) + "  " + pad(control.name, 10, left: true) + "  "
                                             + pad(text(control.priority.name), 10, left: true) + "  "
                                             + pad(state, 16, left: true) + pad("\(control.switchCount)", 8) + "  "
                                             + pad("\(control.cpuNanoseconds / 1_000_000)", 7) + "  " + stack)
        }
        context.standardOutput.writeLine("\(system.scheduler.switches) context switches since boot, \(system.preemptions) at the end of an interrupt")
        return 0
    }

    /// Two figures under TCG: a switch (two threads taking turns through a wait
    /// queue, as a pipe's reader and writer would) and the wake-up latency from
    /// the timer's interrupt to the woken thread running.
    func bench(_ context: inout KernelCommandContext) -> Int32 {
        let rounds = 2000
        let ping = WaitQueue(name: "ping")
        let pong = WaitQueue(name: "pong")
        var partnerDone = false
        let partner = Threads.spawn(name: "pong", priority: Threads.current().priority, stackKiB: 16) {
            for _ in 0..<rounds {
                lumen_irq_disable()
                Threads.system!.scheduler.wakeOne(ping)
                _ = Threads.block(on: pong)
                lumen_irq_enable()
            }
            partnerDone = true
            Threads.wakeAll(ping)
        }
        guard partner != nil else { return context.fail("threads: no memory for the partner thread") }
        let start = GenericTimer.now()
        for _ in 0..<rounds {
            lumen_irq_disable()
            if !partnerDone { _ = Threads.block(on: ping) }
            Threads.system!.scheduler.wakeOne(pong)
            lumen_irq_enable()
        }
        lumen_irq_disable()
        while !partnerDone { _ = Threads.block(on: ping) }
        lumen_irq_enable()
        let elapsed = GenericTimer.now().nanoseconds(since: start)
        let perSwitch = elapsed / UInt64(2 * rounds)
        context.standardOutput.writeLine("context switch (ping-pong through wait queues, \(2 * rounds) switches): "
                                         + micro(perSwitch) + " per switch")
        // Timer interrupt to thread: sleep until a deadline, see how late we run.
        var latencies: [UInt64] = []
        for _ in 0..<50 {
            let deadline = GenericTimer.now().adding(nanoseconds: 2_000_000)
            Threads.sleep(until: deadline)
            latencies.append(GenericTimer.now().nanoseconds(since: deadline))
        }
        latencies.sort()
        context.standardOutput.writeLine("wake-up from the timer interrupt to the thread: median " + micro(latencies[latencies.count / 2])
                                         + ", min " + micro(latencies[0]) + ", max " + micro(latencies[latencies.count - 1]))
        return 0
    }

    func text(_ name: StaticString) -> String {
        name.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }

    func micro(_ nanoseconds: UInt64) -> String {
        "\(nanoseconds / 1000).\((nanoseconds % 1000) / 100) us"
    }

    func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let count = text.utf8.count
        guard count < width else { return text }
        let spaces = String(repeating: " ", count: width - count)
        return left ? text + spaces : spaces + text
    }
}
