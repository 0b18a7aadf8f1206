//! A macro for the small closed vocabularies of the domain (statuses, kinds, roles): each is a
//! Rust enum that reads and writes as a stable snake_case word in JSON, SQL and the CLI.

/// Defines `enum $name { $Variant => "word", ... }` with `as_str`, `FromStr`, `Display`, `ALL`
/// and serde as the word.
#[macro_export]
macro_rules! label_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        // The words are the variants in snake_case; saying so at the enum level lets the OpenAPI
        // derive see them (it does not read renames that arrive through macro fragments).
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// The accepted words, for error messages.
            pub fn expected() -> String {
                [$($word),+].join(", ")
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!("{other:?} is not one of: {}", $name::expected())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    /// Every word is its variant in snake_case, as the enum-level rename promises.
    #[test]
    fn words_are_snake_case_variants() {
        fn check<T: std::fmt::Debug + serde::Serialize>(all: &[T]) {
            for v in all {
                let debug = format!("{v:?}");
                let mut snake = String::new();
                for (i, c) in debug.chars().enumerate() {
                    if c.is_uppercase() && i > 0 {
                        snake.push('_');
                    }
                    snake.extend(c.to_lowercase());
                }
                assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(snake));
            }
        }
        check(crate::access::Role::ALL);
        check(crate::request::Status::ALL);
        check(crate::request::Kind::ALL);
        check(crate::request::Priority::ALL);
        check(crate::request::Channel::ALL);
        check(crate::message::Direction::ALL);
        check(crate::message::SendStatus::ALL);
        check(crate::promise::PromiseKind::ALL);
        check(crate::promise::PromiseStatus::ALL);
        check(crate::change_order::ChangeOrderStatus::ALL);
        check(crate::engagement::EngagementStatus::ALL);
        check(crate::rating::RatingSource::ALL);
        check(crate::jobs::JobStatus::ALL);
        check(crate::alert::Severity::ALL);
        check(crate::alert::AlertStatus::ALL);
    }
}
