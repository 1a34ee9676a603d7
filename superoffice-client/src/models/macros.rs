//! Macros that generate the repetitive parts of the models.

/// A string enum from the server with an `Other(String)` fallback that keeps the raw value
/// (`Other`, not `Unknown`: several SuperOffice enums have a documented `Unknown` value).
///
/// The family's surface (the same in `oneflow-client`): `as_str`, `from_wire`, `KNOWN`,
/// `is_other`, `Display`, `FromStr`, `From<&str>` and serde both ways.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know yet (kept verbatim).
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(raw) => raw.as_str(),
                }
            }

            /// Parse a wire value; unseen values become `Other`.
            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }

            /// All documented values.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// True for a value this crate does not know ([`Other`](Self::Other)).
            pub fn is_other(&self) -> bool {
                matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                $name::from_wire(raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from_wire(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok($name::from_wire(&raw))
            }
        }
    };
}

/// An `i32` id newtype, transparent on the wire.
macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl $name {
            /// The raw id.
            pub fn get(self) -> i32 {
                self.0
            }

            /// SuperOffice uses 0 for "no entity".
            pub fn is_set(self) -> bool {
                self.0 > 0
            }
        }

        impl From<i32> for $name {
            fn from(id: i32) -> Self {
                $name(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

pub(crate) use id_newtype;
pub(crate) use string_enum;
