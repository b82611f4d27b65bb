import Foundation

/// Model files that are symbolic links. The HuggingFace cache keeps a model as links
/// (`snapshots/REV/config.json -> ../../blobs/SHA`), and `cp -r` copies the links, not the files: a copied
/// directory's relative links then point nowhere. A link's target is relative to the directory the link is
/// in (as the kernel resolves it), never to the working directory; a missing file is named as that path.
public enum LinkedFile {
    /// What is missing at `path`: the path itself, or, for a dangling link, the link, its target and where
    /// that target resolves.
    public static func missing(_ path: String) -> String {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return path }
        let resolved = resolve(target, linkedFrom: path)
        return "\(path) is a symbolic link to \(target), and \(resolved) does not exist"
            + " (a copy made with cp -r keeps relative links: copy the model with cp -rL)"
    }

    /// A link's target as a path: absolute as it is, relative against the link's own directory.
    public static func resolve(_ target: String, linkedFrom link: String) -> String {
        if target.hasPrefix("/") { return URL(fileURLWithPath: target).standardizedFileURL.path }
        let directory = URL(fileURLWithPath: link).deletingLastPathComponent()
        return directory.appendingPathComponent(target).standardizedFileURL.path
    }

    /// Whether `path` is a link that leads nowhere.
    public static func isDangling(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil && !FileManager.default.fileExists(atPath: path)
    }
}
