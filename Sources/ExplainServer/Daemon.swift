#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ExplainProtocol

/// The whole daemon: protocol output on a private duplicate of stdout, a reader loop on stdin, workers on
/// lanes, a thread waiting for SIGTERM.
public enum Daemon {
    /// Never returns: the process ends through `exit`, end of input or SIGTERM.
    public static func run(options: ServerOptions) -> Never {
        // Reserve the real stdout for the protocol and point fd 1 at stderr: a stray print cannot corrupt it.
        let protocolFD = dup(STDOUT_FILENO)
        guard protocolFD >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else {
            fputs("explaind: cannot set up the protocol output: \(String(cString: strerror(errno)))\n", stderr)
            exit(2)
        }
        _ = fcntl(protocolFD, F_SETFD, FD_CLOEXEC)
        signal(SIGPIPE, SIG_IGN)
        // Block SIGTERM in every thread (workers inherit the mask) and wait for it on one thread of its own.
        var termination = sigset_t()
        sigemptyset(&termination)
        sigaddset(&termination, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &termination, nil)

        let log = Log(level: options.logLevel)
        let writer = MessageWriter(fd: protocolFD, log: log)
        let server = Server(options: options, writer: writer, log: log)
        server.loadStartupModels()

        let waitedSignals = termination
        let signalThread = Thread {
            var signalNumber: Int32 = 0
            var set = waitedSignals
            while sigwait(&set, &signalNumber) == 0 {
                if signalNumber == SIGTERM { server.dispatcher.terminateBySignal() }
            }
        }
        signalThread.start()

        var reader = MessageReader(fd: STDIN_FILENO, framing: options.framing, maxFrameBytes: options.maxFrameBytes)
        var framingAnnounced = false
        while let events = reader.next() {
            if !framingAnnounced, let framing = reader.framing {
                writer.use(framing)
                framingAnnounced = true
                log(.info, "framing: \(framing.rawValue)")
            }
            for event in events { server.dispatcher.handle(event) }
        }
        server.dispatcher.endOfInput()
        exit(1)  // not reached: endOfInput terminates
    }
}
