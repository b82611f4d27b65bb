#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ExplainProtocol
import ExplainModel

/// The whole daemon: protocol output on a private duplicate of stdout, a reader loop on stdin, workers on
/// lanes, a thread waiting for SIGTERM, SIGINT or SIGHUP.
public enum Daemon {
    /// Never returns: the process ends through `exit`, end of input or a termination signal.
    public static func run(options: ServerOptions) -> Never {
        // Reserve the real stdout for the protocol and point fd 1 at stderr: a stray print cannot corrupt it.
        let protocolFD = dup(STDOUT_FILENO)
        guard protocolFD >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else {
            fputs("explaind: cannot set up the protocol output: \(String(cString: strerror(errno)))\n", stderr)
            exit(2)
        }
        _ = fcntl(protocolFD, F_SETFD, FD_CLOEXEC)
        signal(SIGPIPE, SIG_IGN)
        let log = Log(level: options.logLevel)
        // The compute pool's size: the speed only (what moves results by rounding follows the cores, not this).
        if let threads = options.threads { ClassifierModel.threadCount = threads }
        let writer = MessageWriter(fd: protocolFD, log: log)
        // _exit, not exit: exit flushes stdio, which would wait forever on a stderr nobody reads.
        let server = Server(options: options, writer: writer, log: log, terminate: { log.flush(); _exit($0) })
        server.loadStartupModels()

        TerminationSignals.install { server.dispatcher.terminateBySignal(TerminationSignals.name($0)) }

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
