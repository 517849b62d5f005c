fn main() {
    let p = std::env::args().nth(1).unwrap();
    let t = std::fs::read_to_string(p).unwrap();
    let d = gitops_upgrade::yaml::parse_documents(&t).unwrap();
    print!("{}", gitops_upgrade::yaml::emit_stream(d.iter().map(|d| &d.value)));
}
