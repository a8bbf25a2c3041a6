// Bakes the git commit the binary was built from into module BuildInfo (`BuildInfo.commit`, with
// "-dirty" when tracked files differ from it), so every run records the code that produced it.
// A prebuild command: it runs on every build, but rewrites the generated file only when the text
// changes, so an unchanged checkout recompiles nothing. Outside a git checkout: "unknown".
import Foundation
import PackagePlugin

@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL.appendingPathComponent("BuildInfo.generated.swift")
        let script = #"""
            dir="$1"; out="$2"
            commit=$(git -C "$dir" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && [ -n "$(git -C "$dir" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]; then
              commit="$commit-dirty"
            fi
            text="// Generated at build time by Plugins/BuildInfoPlugin; do not edit.
            public enum BuildInfo { public static let commit = \"$commit\" }"
            if [ ! -f "$out" ] || [ "$(cat "$out")" != "$text" ]; then printf '%s\n' "$text" > "$out"; fi
            """#
        return [.prebuildCommand(displayName: "BuildInfo: git commit of the build",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, out.path],
                                 outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}
