//! What can be wrong with the choices, and where a form shows it.

use std::fmt;

use oneflow_client::models::{DeliveryChannel, SignMethod, TemplateId, WorkspaceId};
use oneflow_client::InvalidInput;

#[cfg(doc)]
use super::{ContractChoices, ContractFactory};

/// The part of a participant a problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipantPart {
    /// Who (the person or the owner).
    Person,
    /// The party kind.
    Party,
    /// The delivery channel.
    DeliveryChannel,
    /// The sign method.
    SignMethod,
}

/// The form field a problem belongs to. `Display` gives a path such as
/// `participants[1].delivery_channel` (indices from 0, as in [`ContractChoices`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChoiceField {
    /// The contract name.
    Name,
    /// The workspace.
    Workspace,
    /// The template.
    Template,
    /// The acting user.
    ActingUser,
    /// The participant list as a whole.
    Participants,
    /// One participant.
    Participant {
        /// Index in [`ContractChoices::participants`].
        index: usize,
        /// Which input of it.
        part: ParticipantPart,
    },
    /// One file.
    File {
        /// Index in [`ContractChoices::files`].
        index: usize,
    },
    /// The invitation subject.
    Subject,
    /// The invitation message.
    Message,
    /// The request key.
    RequestKey,
    /// A data field mapping (an admin setting), by data field custom id.
    FieldMapping {
        /// The data field's custom id.
        data_field: String,
    },
    /// The contract as a whole.
    Contract,
}

impl fmt::Display for ChoiceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name => f.write_str("name"),
            Self::Workspace => f.write_str("workspace"),
            Self::Template => f.write_str("template"),
            Self::ActingUser => f.write_str("acting_user"),
            Self::Participants => f.write_str("participants"),
            Self::Participant { index, part } => {
                let part = match part {
                    ParticipantPart::Person => "person",
                    ParticipantPart::Party => "party",
                    ParticipantPart::DeliveryChannel => "delivery_channel",
                    ParticipantPart::SignMethod => "sign_method",
                };
                write!(f, "participants[{index}].{part}")
            }
            Self::File { index } => write!(f, "files[{index}]"),
            Self::Subject => f.write_str("subject"),
            Self::Message => f.write_str("message"),
            Self::RequestKey => f.write_str("request_key"),
            Self::FieldMapping { data_field } => write!(f, "field_mappings.{data_field}"),
            Self::Contract => f.write_str("contract"),
        }
    }
}

/// One thing wrong with the choices. `Display` says what to do, numbering participants and
/// files from 1 as a person counts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChoiceProblem {
    /// No name was given and the Sale has no heading, or the name is blank.
    NameEmpty,
    /// The name is longer than Oneflow allows.
    NameTooLong {
        /// Its length in characters.
        length: usize,
        /// The limit (130).
        max: usize,
    },
    /// The chosen template is not the one the facts describe.
    TemplateMismatch {
        /// The template chosen.
        chosen: TemplateId,
        /// The template the facts describe.
        described: TemplateId,
    },
    /// The user may not create contracts from this template in that workspace.
    WorkspaceNotAllowed {
        /// The workspace chosen.
        workspace_id: WorkspaceId,
    },
    /// The acting user is not an active Oneflow user of the account.
    ActingUserNotOneflowUser {
        /// Their e-mail.
        email: String,
    },
    /// No participants were chosen.
    NoParticipants,
    /// A participant names a person the Sale does not have.
    UnknownPerson {
        /// Participant index.
        index: usize,
        /// The person id.
        person_id: i32,
    },
    /// The same person (or the owner) is listed twice.
    DuplicateParticipant {
        /// Participant index of the repeat.
        index: usize,
        /// Index of the first listing.
        first_index: usize,
    },
    /// A participant is on the company party but the Sale has no company.
    NoCompanyOnSale {
        /// Participant index.
        index: usize,
    },
    /// The Sale owner was put on a counterparty.
    OwnerNotOnOwnerSide {
        /// Participant index.
        index: usize,
    },
    /// An owner-side participant is not an active Oneflow user.
    NotAnActiveOneflowUser {
        /// Participant index.
        index: usize,
        /// Their e-mail, if they have one.
        email: Option<String>,
    },
    /// A counterparty participant has no name.
    NameMissing {
        /// Participant index.
        index: usize,
    },
    /// A counterparty participant's e-mail does not look like an e-mail address.
    EmailInvalid {
        /// Participant index.
        index: usize,
        /// The e-mail as SuperOffice holds it.
        email: String,
    },
    /// A counterparty participant has no delivery channel.
    DeliveryChannelMissing {
        /// Participant index.
        index: usize,
    },
    /// The delivery channel is not among the template's options.
    DeliveryChannelNotOffered {
        /// Participant index.
        index: usize,
        /// The channel chosen.
        channel: DeliveryChannel,
    },
    /// The sign method is not among the template's options.
    SignMethodNotOffered {
        /// Participant index.
        index: usize,
        /// The method chosen.
        method: SignMethod,
    },
    /// The delivery channel needs an e-mail the participant does not have.
    EmailMissing {
        /// Participant index.
        index: usize,
    },
    /// The delivery channel or sign method needs a mobile number in international format
    /// the participant does not have.
    PhoneMissing {
        /// Participant index.
        index: usize,
        /// Whether the sign method (rather than the delivery channel) needs it.
        for_sign_method: bool,
    },
    /// A PDF on a template without a "PDF document" section.
    NoPdfSection {
        /// File index.
        index: usize,
    },
    /// An attachment on a template without an "Attachments" section.
    NoAttachmentsSection {
        /// File index.
        index: usize,
    },
    /// A second PDF (the PDF section holds one).
    SecondPdf {
        /// File index.
        index: usize,
    },
    /// The file's extension is not accepted for its kind.
    FileExtensionNotAccepted {
        /// File index.
        index: usize,
        /// The extension (lower case, may be empty).
        extension: String,
    },
    /// The file is empty.
    FileEmpty {
        /// File index.
        index: usize,
    },
    /// Sending needs a subject.
    SubjectEmpty,
    /// Sending needs a message.
    MessageEmpty,
    /// The request key is blank.
    RequestKeyMissing,
    /// A link data field is not defined on the template type.
    LinkFieldNotOnTemplateType {
        /// Its custom id.
        data_field: String,
    },
    /// A mapping targets a data field the template type does not define.
    MappedFieldNotOnTemplateType {
        /// The data field's custom id.
        data_field: String,
    },
    /// A mapping targets a link data field, or a field another mapping already fills.
    MappingConflict {
        /// The data field's custom id.
        data_field: String,
    },
    /// Oneflow's documented limits, checked by the client on the finished draft.
    Draft(InvalidInput),
}

impl ChoiceProblem {
    /// The form field the problem belongs to.
    pub fn field(&self) -> ChoiceField {
        let participant = |index: usize, part| ChoiceField::Participant { index, part };
        match self {
            Self::NameEmpty | Self::NameTooLong { .. } => ChoiceField::Name,
            Self::TemplateMismatch { .. } => ChoiceField::Template,
            Self::WorkspaceNotAllowed { .. } => ChoiceField::Workspace,
            Self::ActingUserNotOneflowUser { .. } => ChoiceField::ActingUser,
            Self::NoParticipants => ChoiceField::Participants,
            Self::UnknownPerson { index, .. }
            | Self::DuplicateParticipant { index, .. }
            | Self::NotAnActiveOneflowUser { index, .. }
            | Self::NameMissing { index }
            | Self::EmailInvalid { index, .. } => participant(*index, ParticipantPart::Person),
            Self::NoCompanyOnSale { index } | Self::OwnerNotOnOwnerSide { index } => {
                participant(*index, ParticipantPart::Party)
            }
            Self::DeliveryChannelMissing { index }
            | Self::DeliveryChannelNotOffered { index, .. }
            | Self::EmailMissing { index }
            | Self::PhoneMissing {
                index,
                for_sign_method: false,
            } => participant(*index, ParticipantPart::DeliveryChannel),
            Self::SignMethodNotOffered { index, .. }
            | Self::PhoneMissing {
                index,
                for_sign_method: true,
            } => participant(*index, ParticipantPart::SignMethod),
            Self::NoPdfSection { index }
            | Self::NoAttachmentsSection { index }
            | Self::SecondPdf { index }
            | Self::FileExtensionNotAccepted { index, .. }
            | Self::FileEmpty { index } => ChoiceField::File { index: *index },
            Self::SubjectEmpty => ChoiceField::Subject,
            Self::MessageEmpty => ChoiceField::Message,
            Self::RequestKeyMissing => ChoiceField::RequestKey,
            Self::LinkFieldNotOnTemplateType { data_field }
            | Self::MappedFieldNotOnTemplateType { data_field }
            | Self::MappingConflict { data_field } => ChoiceField::FieldMapping {
                data_field: data_field.clone(),
            },
            Self::Draft(_) => ChoiceField::Contract,
        }
    }
}

impl fmt::Display for ChoiceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // People count from 1.
        let n = |index: &usize| index + 1;
        match self {
            Self::NameEmpty => f.write_str(
                "the contract needs a name; the Sale has no heading to use, so enter one",
            ),
            Self::NameTooLong { length, max } => write!(
                f,
                "the contract name is {length} characters long; shorten it to at most {max}"
            ),
            Self::TemplateMismatch { chosen, described } => write!(
                f,
                "template {chosen} was chosen but the form was built for template {described}; reload the form"
            ),
            Self::WorkspaceNotAllowed { workspace_id } => write!(
                f,
                "you may not create contracts from this template in workspace {workspace_id}; pick another workspace"
            ),
            Self::ActingUserNotOneflowUser { email } => write!(
                f,
                "{email} is not an active Oneflow user of this account; ask a Oneflow admin to invite or activate you"
            ),
            Self::NoParticipants => f.write_str("add at least one participant"),
            Self::UnknownPerson { index, person_id } => write!(
                f,
                "participant {}: person {person_id} is not on this Sale's company; pick someone else",
                n(index)
            ),
            Self::DuplicateParticipant { index, first_index } => write!(
                f,
                "participant {} is the same person as participant {}; remove one",
                n(index),
                n(first_index)
            ),
            Self::NoCompanyOnSale { index } => write!(
                f,
                "participant {}: the Sale has no company, so nobody can sign for one; choose Individual or link a company to the Sale",
                n(index)
            ),
            Self::OwnerNotOnOwnerSide { index } => write!(
                f,
                "participant {}: the Sale owner can only take part on your own side; choose Owner",
                n(index)
            ),
            Self::NotAnActiveOneflowUser { index, email } => match email {
                Some(email) => write!(
                    f,
                    "participant {}: {email} is not an active Oneflow user, so they cannot be on your side; choose Company or Individual",
                    n(index)
                ),
                None => write!(
                    f,
                    "participant {}: has no e-mail, so they cannot be matched to a Oneflow user for your side; add the e-mail in SuperOffice",
                    n(index)
                ),
            },
            Self::NameMissing { index } => write!(
                f,
                "participant {} has no name; add it in SuperOffice",
                n(index)
            ),
            Self::EmailInvalid { index, email } => write!(
                f,
                "participant {}: \"{email}\" is not an e-mail address; correct it in SuperOffice",
                n(index)
            ),
            Self::DeliveryChannelMissing { index } => write!(
                f,
                "participant {}: choose how the contract is delivered",
                n(index)
            ),
            Self::DeliveryChannelNotOffered { index, channel } => write!(
                f,
                "participant {}: the template does not offer delivery by {channel}; choose one it offers",
                n(index)
            ),
            Self::SignMethodNotOffered { index, method } => write!(
                f,
                "participant {}: the template does not offer the sign method {method}; choose one it offers",
                n(index)
            ),
            Self::EmailMissing { index } => write!(
                f,
                "participant {} has no e-mail, which delivery by e-mail needs; add it in SuperOffice or choose another channel",
                n(index)
            ),
            Self::PhoneMissing {
                index,
                for_sign_method,
            } => write!(
                f,
                "participant {} has no mobile number in international format (+46…), which {} needs; add it in SuperOffice or choose another {}",
                n(index),
                if *for_sign_method { "signing by SMS" } else { "delivery by SMS" },
                if *for_sign_method { "sign method" } else { "channel" },
            ),
            Self::NoPdfSection { index } => write!(
                f,
                "file {}: the template has no \"PDF document\" section; remove the PDF or pick a template with that section",
                n(index)
            ),
            Self::NoAttachmentsSection { index } => write!(
                f,
                "file {}: the template has no \"Attachments\" section; remove the file or pick a template with that section",
                n(index)
            ),
            Self::SecondPdf { index } => write!(
                f,
                "file {}: the \"PDF document\" section holds one PDF; add further PDFs as attachments",
                n(index)
            ),
            Self::FileExtensionNotAccepted { index, extension } if extension.is_empty() => write!(
                f,
                "file {}: the name has no extension, so Oneflow cannot tell its type; rename it",
                n(index)
            ),
            Self::FileExtensionNotAccepted { index, extension } => write!(
                f,
                "file {}: Oneflow does not accept .{extension} files here; convert it or remove it",
                n(index)
            ),
            Self::FileEmpty { index } => {
                write!(f, "file {} is empty; choose the file again", n(index))
            }
            Self::SubjectEmpty => f.write_str("sending needs a subject for the invitation"),
            Self::MessageEmpty => f.write_str("sending needs a message for the invitation"),
            Self::RequestKeyMissing => {
                f.write_str("the request has no request key; reload the form and submit again")
            }
            Self::LinkFieldNotOnTemplateType { data_field } => write!(
                f,
                "the template's type has no data field \"{data_field}\" to link the contract to the Sale; an admin should re-run setup or add it in Oneflow"
            ),
            Self::MappedFieldNotOnTemplateType { data_field } => write!(
                f,
                "a field mapping fills the data field \"{data_field}\", which the template's type does not have; an admin should add it in Oneflow or fix the mapping"
            ),
            Self::MappingConflict { data_field } => write!(
                f,
                "the data field \"{data_field}\" is filled twice (by two mappings, or by a mapping and the Sale link); an admin should fix the mappings"
            ),
            Self::Draft(invalid) => write!(f, "Oneflow would refuse the contract: {invalid}"),
        }
    }
}

/// The choices cannot make a contract; every problem found, in form order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidChoices {
    problems: Vec<ChoiceProblem>,
}

impl InvalidChoices {
    /// Wraps problems (at least one, for a meaningful error).
    pub fn new(problems: Vec<ChoiceProblem>) -> Self {
        Self { problems }
    }

    /// The problems.
    pub fn problems(&self) -> &[ChoiceProblem] {
        &self.problems
    }

    /// The problems, owned.
    pub fn into_problems(self) -> Vec<ChoiceProblem> {
        self.problems
    }
}

impl fmt::Display for InvalidChoices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the contract cannot be created yet (")?;
        match self.problems.len() {
            1 => f.write_str("1 problem): ")?,
            count => write!(f, "{count} problems): ")?,
        }
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidChoices {}
