/// Version information shared by every module (the experiment store records it with each run).
public enum ReidKDInfo {
    public static let version = "0.1.0"
}
