fn main() -> std::process::ExitCode {
    tbseq::cli::main()
}
