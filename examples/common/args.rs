//! A small command-line parser for the examples: declare the arguments,
//! parse, take the typed values back.
//!
//! ```text
//! let mut cli = Cli::new("echoserver", "echoes every line back to its client");
//! let pool = cli.optional::<NonZeroUsize>("--pool", "N", "N prethreaded workers");
//! let port = cli.positional_or("PORT", "the port to listen on", 15213u16);
//! let mut args = cli.parse_env();
//! let (pool, port) = (args.take(pool), args.take(port));
//! ```
//!
//! `-h` / `--help` anywhere (before `--`) prints the usage on stdout and
//! exits 0, whatever else is on the line. A bad argument prints
//! `program: what is wrong` and the synopsis on stderr and exits 2. Options
//! take `--name VALUE` or `--name=VALUE`; `--` ends the options.

use std::any::Any;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::marker::PhantomData;
use std::num::{NonZeroU16, NonZeroU32, NonZeroU64, NonZeroUsize};
use std::process;
use std::time::Duration;

/// A type an argument's text parses into, with the text a default shows.
pub trait Value: Sized + 'static {
    /// Parses `text`, given as argument `name` (`port`, `--pool`); the
    /// error names the argument and says why (`port 70000 is out of range
    /// 0..=65535`).
    fn parse(name: &str, text: &str) -> Result<Self, String>;

    /// How a default value is written in the usage.
    fn show(&self) -> String;
}

/// Parses an unsigned integer in `lo..=hi`.
fn integer(name: &str, text: &str, lo: u128, hi: u128) -> Result<u128, String> {
    let out_of_range = || {
        if hi >= u128::from(u32::MAX) {
            format!("{name} {text} is out of range: must be at least {lo}")
        } else {
            format!("{name} {text} is out of range {lo}..={hi}")
        }
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if text.strip_prefix('-').is_some_and(all_digits) {
        return Err(out_of_range());
    }
    if !all_digits(text) {
        return Err(format!("{name} {text:?} is not a number"));
    }
    // All digits: the only failure left is a number too large for u128.
    match text.parse::<u128>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(out_of_range()),
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn parse(name: &str, text: &str) -> Result<Self, String> {
                let n = integer(name, text, 0, <$t>::MAX as u128)?;
                Ok(n as $t)
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
unsigned!(u16, u32, u64, usize);

macro_rules! nonzero {
    ($($t:ty => $inner:ty),*) => {$(
        impl Value for $t {
            fn parse(name: &str, text: &str) -> Result<Self, String> {
                let n = integer(name, text, 1, <$inner>::MAX as u128)?;
                Ok(<$t>::new(n as $inner).expect("at least 1"))
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
nonzero!(NonZeroU16 => u16, NonZeroU32 => u32, NonZeroU64 => u64, NonZeroUsize => usize);

impl Value for String {
    fn parse(_name: &str, text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

/// Seconds, whole or decimal (`30`, `0.5`).
impl Value for Duration {
    fn parse(name: &str, text: &str) -> Result<Self, String> {
        let secs: f64 = text
            .parse()
            .map_err(|_| format!("{name} {text:?} is not a number of seconds"))?;
        if !secs.is_finite() || secs < 0.0 {
            return Err(format!(
                "{name} {text} is out of range: must be 0 seconds or more"
            ));
        }
        Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("{name} {text} is out of range: too many seconds"))
    }
    fn show(&self) -> String {
        self.as_secs_f64().to_string()
    }
}

/// A declared argument; `Matches::take` turns it into its `T`.
pub struct Arg<T> {
    slot: usize,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for Arg<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Arg<T> {}

type Parse = fn(&str, &str) -> Result<Box<dyn Any>, String>;

/// What the parser knows of one argument.
struct Spec {
    /// `--pool` for an option, `PORT` for a positional.
    name: &'static str,
    /// The option's value in the usage (`N`); empty for a flag.
    meta: &'static str,
    help: &'static str,
    /// The default as the usage shows it.
    shown: Option<String>,
    positional: bool,
    /// A positional argument that must be given.
    required: bool,
    /// The value when the argument is absent (taken out by `parse`).
    default: Option<Box<dyn Any>>,
    /// `None` for a flag (present: `true`).
    parse: Option<Parse>,
}

impl Spec {
    /// The argument as messages name it: `--pool`, `port`.
    fn label(&self) -> String {
        if self.positional {
            self.name.to_lowercase()
        } else {
            self.name.to_owned()
        }
    }
}

/// A program's arguments: declare them, then `parse` or `parse_env`.
pub struct Cli {
    program: String,
    about: &'static str,
    specs: Vec<Spec>,
}

/// Why parsing stopped before the program could run.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// `--help` was asked for: the full usage, for stdout, exit 0.
    Help(String),
    /// A bad argument: the message for stderr, exit 2.
    Bad(String),
}

impl Stop {
    /// Prints the help on stdout (exit 0) or the error on stderr (exit 2),
    /// and exits.
    pub fn exit(self) -> ! {
        match self {
            Stop::Help(text) => {
                let _ = io::stdout().write_all(text.as_bytes());
                process::exit(0)
            }
            Stop::Bad(text) => {
                let _ = io::stderr().write_all(text.as_bytes());
                process::exit(2)
            }
        }
    }
}

/// The parsed values, taken out one by one with `take`.
pub struct Matches {
    values: Vec<Option<Box<dyn Any>>>,
}

impl Matches {
    /// The value of `arg` (its default when absent).
    ///
    /// Panics if `arg` was taken before or comes from another `Cli`: a bug
    /// in the example, never something a user can cause.
    pub fn take<T: 'static>(&mut self, arg: Arg<T>) -> T {
        let value = self.values[arg.slot]
            .take()
            .expect("each argument is taken once");
        *value.downcast::<T>().expect("an Arg<T> holds a T")
    }
}

fn parse_boxed<T: Value>(name: &str, text: &str) -> Result<Box<dyn Any>, String> {
    T::parse(name, text).map(|v| Box::new(v) as Box<dyn Any>)
}

fn parse_some<T: Value>(name: &str, text: &str) -> Result<Box<dyn Any>, String> {
    T::parse(name, text).map(|v| Box::new(Some(v)) as Box<dyn Any>)
}

impl Cli {
    /// A parser for `program` (as the usage names it: `echoserver`,
    /// `udpchat server`), whose help starts with `about`.
    pub fn new(program: impl Into<String>, about: &'static str) -> Cli {
        Cli {
            program: program.into(),
            about,
            specs: Vec::new(),
        }
    }

    fn add<T>(&mut self, spec: Spec) -> Arg<T> {
        debug_assert!(
            self.specs.iter().all(|s| s.name != spec.name),
            "{} declared twice",
            spec.name
        );
        self.specs.push(spec);
        Arg {
            slot: self.specs.len() - 1,
            value: PhantomData,
        }
    }

    /// `--name META`, `default` when absent (the usage shows it).
    pub fn option<T: Value>(
        &mut self,
        name: &'static str,
        meta: &'static str,
        help: &'static str,
        default: T,
    ) -> Arg<T> {
        self.add(Spec {
            name,
            meta,
            help,
            shown: Some(default.show()),
            positional: false,
            required: false,
            default: Some(Box::new(default)),
            parse: Some(parse_boxed::<T>),
        })
    }

    /// `--name META`, `None` when absent (say in `help` what that means).
    pub fn optional<T: Value>(
        &mut self,
        name: &'static str,
        meta: &'static str,
        help: &'static str,
    ) -> Arg<Option<T>> {
        self.add(Spec {
            name,
            meta,
            help,
            shown: None,
            positional: false,
            required: false,
            default: Some(Box::new(None::<T>)),
            parse: Some(parse_some::<T>),
        })
    }

    /// `--name` without a value: `true` when given.
    pub fn flag(&mut self, name: &'static str, help: &'static str) -> Arg<bool> {
        self.add(Spec {
            name,
            meta: "",
            help,
            shown: None,
            positional: false,
            required: false,
            default: Some(Box::new(false)),
            parse: None,
        })
    }

    /// A required positional argument (`HOST`), in declaration order.
    pub fn positional<T: Value>(&mut self, name: &'static str, help: &'static str) -> Arg<T> {
        self.add(Spec {
            name,
            meta: "",
            help,
            shown: None,
            positional: true,
            required: true,
            default: None,
            parse: Some(parse_boxed::<T>),
        })
    }

    /// An optional positional argument (`[PORT]`), `default` when absent.
    /// Declare these after the required ones.
    pub fn positional_or<T: Value>(
        &mut self,
        name: &'static str,
        help: &'static str,
        default: T,
    ) -> Arg<T> {
        self.add(Spec {
            name,
            meta: "",
            help,
            shown: Some(default.show()),
            positional: true,
            required: false,
            default: Some(Box::new(default)),
            parse: Some(parse_boxed::<T>),
        })
    }

    /// The one-line synopsis: `echoserver [--pool N] [PORT]`.
    pub fn synopsis(&self) -> String {
        let mut line = self.program.clone();
        for spec in self.specs.iter().filter(|s| !s.positional) {
            match spec.meta {
                "" => write!(line, " [{}]", spec.name),
                meta => write!(line, " [{} {meta}]", spec.name),
            }
            .expect("writing to a String");
        }
        for spec in self.specs.iter().filter(|s| s.positional) {
            if spec.required {
                write!(line, " {}", spec.name)
            } else {
                write!(line, " [{}]", spec.name)
            }
            .expect("writing to a String");
        }
        line
    }

    /// The full help: synopsis, what the program does, every argument
    /// with its default.
    pub fn help(&self) -> String {
        let mut rows: Vec<(String, String)> = Vec::new();
        for spec in self.specs.iter().filter(|s| s.positional) {
            rows.push((spec.name.to_owned(), described(spec)));
        }
        for spec in self.specs.iter().filter(|s| !s.positional) {
            let left = match spec.meta {
                "" => spec.name.to_owned(),
                meta => format!("{} {meta}", spec.name),
            };
            rows.push((left, described(spec)));
        }
        rows.push((
            "-h, --help".to_owned(),
            "print this help and exit".to_owned(),
        ));
        let width = rows.iter().map(|(left, _)| left.len()).max().unwrap_or(0);
        let mut text = format!("usage: {}\n\n{}\n\n", self.synopsis(), self.about);
        for (left, right) in rows {
            writeln!(text, "  {left:width$}  {right}").expect("writing to a String");
        }
        text
    }

    fn bad(&self, message: impl std::fmt::Display) -> Stop {
        Stop::Bad(format!(
            "{program}: {message}\nusage: {synopsis}\n(`{program} --help` says more)\n",
            program = self.program,
            synopsis = self.synopsis()
        ))
    }

    /// Parses this process's arguments; on `--help` or a bad argument it
    /// prints and exits (`Stop::exit`).
    pub fn parse_env(self) -> Matches {
        let args: Vec<OsString> = std::env::args_os().skip(1).collect();
        self.parse_os(args).unwrap_or_else(|stop| stop.exit())
    }

    /// Parses `args` (without the program name), which need not be UTF-8.
    ///
    /// # Errors
    ///
    /// `Stop::Help` when `-h` / `--help` comes before any `--`; else
    /// `Stop::Bad` for an argument that is not UTF-8, an unknown option,
    /// an option given twice or without its value, a value that does not
    /// parse, a missing or an extra positional argument.
    pub fn parse_os(self, args: Vec<OsString>) -> Result<Matches, Stop> {
        let mut text = Vec::with_capacity(args.len());
        let mut bad = None;
        for arg in args {
            match arg.into_string() {
                Ok(arg) => text.push(arg),
                Err(arg) => {
                    // Keep going: a `--help` later on still wins.
                    bad.get_or_insert_with(|| {
                        format!("argument {:?} is not UTF-8", arg.to_string_lossy())
                    });
                    text.push(String::new());
                }
            }
        }
        if let (Some(message), false) = (bad, wants_help(&text)) {
            return Err(self.bad(message));
        }
        self.parse(text)
    }

    /// Parses `args` (without the program name).
    ///
    /// # Errors
    ///
    /// As `parse_os`.
    pub fn parse(mut self, args: Vec<String>) -> Result<Matches, Stop> {
        if wants_help(&args) {
            return Err(Stop::Help(self.help()));
        }
        let mut values: Vec<Option<Box<dyn Any>>> =
            self.specs.iter_mut().map(|s| s.default.take()).collect();
        let mut given = vec![false; self.specs.len()];
        let positionals: Vec<usize> = (0..self.specs.len())
            .filter(|&i| self.specs[i].positional)
            .collect();
        let mut next_positional = 0;
        let mut options_ended = false;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if !options_ended && arg == "--" {
                options_ended = true;
                continue;
            }
            // `-5` is a (bad) number for a positional, not an option.
            let negative = arg
                .strip_prefix('-')
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            let positional_left = next_positional < positionals.len();
            let is_option = !options_ended
                && arg.starts_with('-')
                && arg != "-"
                && !(negative && positional_left);
            let (slot, value) = if is_option {
                let (name, inline) = match arg.split_once('=') {
                    Some((name, value)) if name.starts_with("--") => (name, Some(value)),
                    _ => (arg.as_str(), None),
                };
                let Some(slot) = self
                    .specs
                    .iter()
                    .position(|s| !s.positional && s.name == name)
                else {
                    return Err(self.bad(format_args!("unknown option {name:?}")));
                };
                let spec = &self.specs[slot];
                if given[slot] {
                    return Err(self.bad(format_args!("{name} is given twice")));
                }
                let Some(parse) = spec.parse else {
                    if inline.is_some() {
                        return Err(self.bad(format_args!("{name} takes no value")));
                    }
                    given[slot] = true;
                    values[slot] = Some(Box::new(true));
                    continue;
                };
                let text = match inline {
                    Some(text) => text.to_owned(),
                    None => match args.next() {
                        Some(text) => text,
                        None => {
                            return Err(
                                self.bad(format_args!("{name} needs a value ({})", spec.meta))
                            );
                        }
                    },
                };
                (slot, parse(&spec.label(), &text))
            } else {
                let Some(&slot) = positionals.get(next_positional) else {
                    return Err(self.bad(format_args!("unexpected argument {arg:?}")));
                };
                next_positional += 1;
                let spec = &self.specs[slot];
                let parse = spec.parse.expect("a positional takes a value");
                (slot, parse(&spec.label(), &arg))
            };
            match value {
                Ok(value) => {
                    given[slot] = true;
                    values[slot] = Some(value);
                }
                Err(message) => return Err(self.bad(message)),
            }
        }
        if let Some(&slot) = positionals
            .iter()
            .find(|&&i| !given[i] && self.specs[i].required)
        {
            let message = format!("missing {}", self.specs[slot].name);
            return Err(self.bad(message));
        }
        Ok(Matches { values })
    }
}

/// Whether `-h` or `--help` comes before any `--`.
fn wants_help(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-h" || a == "--help")
}

/// An argument's help with its default, if it shows one.
fn described(spec: &Spec) -> String {
    match &spec.shown {
        Some(shown) => format!("{} (default {shown})", spec.help),
        None => spec.help.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parser and the four arguments it declares.
    type Demo = (
        Cli,
        Arg<Option<NonZeroUsize>>,
        Arg<bool>,
        Arg<String>,
        Arg<u16>,
    );

    fn cli() -> Demo {
        let mut cli = Cli::new("demo", "a demo");
        let pool = cli.optional("--pool", "N", "workers");
        let quiet = cli.flag("--quiet", "say less");
        let name = cli.positional("NAME", "who");
        let port = cli.positional_or("PORT", "where", 7u16);
        (cli, pool, quiet, name, port)
    }

    fn parse(args: &[&str]) -> Result<(Option<usize>, bool, String, u16), Stop> {
        let (cli, pool, quiet, name, port) = cli();
        let mut m = cli.parse(args.iter().map(|a| a.to_string()).collect())?;
        Ok((
            m.take(pool).map(NonZeroUsize::get),
            m.take(quiet),
            m.take(name),
            m.take(port),
        ))
    }

    fn bad(args: &[&str]) -> String {
        match parse(args) {
            Err(Stop::Bad(text)) => text.lines().next().unwrap().to_owned(),
            other => panic!("{args:?} gave {other:?}"),
        }
    }

    #[test]
    fn values_defaults_and_forms() {
        assert_eq!(parse(&["小明"]), Ok((None, false, "小明".into(), 7)));
        assert_eq!(
            parse(&["--pool=3", "x", "--quiet", "80"]),
            Ok((Some(3), true, "x".into(), 80))
        );
        assert_eq!(
            parse(&["x", "--pool", "3"]),
            Ok((Some(3), false, "x".into(), 7))
        );
        // After `--`, anything is positional, `--help` included.
        assert_eq!(
            parse(&["--", "--help", "9"]),
            Ok((None, false, "--help".into(), 9))
        );
        assert_eq!(parse(&["-"]), Ok((None, false, "-".into(), 7)));
    }

    #[test]
    fn errors_name_the_argument_and_say_why() {
        assert_eq!(bad(&[]), "demo: missing NAME");
        assert_eq!(
            bad(&["x", "65536"]),
            "demo: port 65536 is out of range 0..=65535"
        );
        assert_eq!(
            bad(&["x", "99999999999999999999999999999999999999999"]),
            "demo: port 99999999999999999999999999999999999999999 is out of range 0..=65535"
        );
        assert_eq!(bad(&["x", "+1"]), "demo: port \"+1\" is not a number");
        assert_eq!(bad(&["x", "-5"]), "demo: port -5 is out of range 0..=65535");
        assert_eq!(bad(&["x", "1", "2"]), "demo: unexpected argument \"2\"");
        assert_eq!(bad(&["--quiet=yes", "x"]), "demo: --quiet takes no value");
        assert_eq!(bad(&["--pool"]), "demo: --pool needs a value (N)");
        assert_eq!(bad(&["-é"]), "demo: unknown option \"-é\"");
    }

    #[test]
    fn help_wins_and_shows_defaults() {
        let Err(Stop::Help(help)) = parse(&["x", "70000", "--help"]) else {
            panic!()
        };
        assert!(
            help.starts_with("usage: demo [--pool N] [--quiet] NAME [PORT]\n"),
            "{help}"
        );
        assert!(help.contains("where (default 7)"), "{help}");
    }

    #[cfg(unix)]
    #[test]
    fn arguments_that_are_not_utf8_are_refused_unless_help_is_asked() {
        use std::os::unix::ffi::OsStringExt;
        let not_utf8 = || OsString::from_vec(vec![b'a', 0xff]);
        let Err(Stop::Bad(text)) = cli().0.parse_os(vec![not_utf8()]) else {
            panic!()
        };
        assert!(
            text.starts_with("demo: argument \"a\u{fffd}\" is not UTF-8\n"),
            "{text}"
        );
        let help = cli().0.parse_os(vec![not_utf8(), "-h".into()]);
        assert!(matches!(help, Err(Stop::Help(_))));
    }
}
