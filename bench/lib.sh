# Shared by the bench scripts, sourced from the repository's root.

# The release build's directory, as an absolute path.
release_dir() {
    local target="${CARGO_TARGET_DIR:-target}"
    [[ "$target" = /* ]] || target="$(pwd)/$target"
    echo "$target/release"
}

# One line naming the machine and its load average now.
machine() {
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
