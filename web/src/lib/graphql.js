// The GraphQL documents of the client (the schema is schema.graphql at the project root).
import { gql } from '@apollo/client';

export const USER_FIELDS = gql`
  fragment UserFields on User { id email displayName role }
`;

export const MESSAGE_FIELDS = gql`
  fragment MessageFields on Message {
    id roomId body idempotencyKey createdAt status cursor internal
    sender { id displayName role }
  }
`;

export const LOGIN = gql`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { token expiresAt user { ...UserFields } }
  }
  ${USER_FIELDS}
`;

export const REGISTER = gql`
  mutation Register($email: String!, $password: String!, $displayName: String!) {
    register(email: $email, password: $password, displayName: $displayName) { token expiresAt user { ...UserFields } }
  }
  ${USER_FIELDS}
`;

export const LOGOUT = gql`mutation Logout { logout }`;

export const ROOM = gql`
  query Room($id: ID!) {
    room(id: $id) { id name createdAt members { id displayName role online } }
  }
`;

export const MESSAGES = gql`
  query Messages($roomId: ID!, $before: String, $limit: Int) {
    messages(roomId: $roomId, before: $before, limit: $limit) { ...MessageFields }
  }
  ${MESSAGE_FIELDS}
`;

export const SEND_MESSAGE = gql`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) { ...MessageFields }
  }
  ${MESSAGE_FIELDS}
`;

export const USERS = gql`
  query Users($search: String, $limit: Int) {
    users(search: $search, limit: $limit) { ...UserFields }
  }
  ${USER_FIELDS}
`;

export const CREATE_ROOM = gql`
  mutation CreateRoom($name: String!, $memberIds: [ID!]) {
    createRoom(name: $name, memberIds: $memberIds) { id name }
  }
`;

export const ADD_MEMBERS = gql`
  mutation AddMembers($roomId: ID!, $userIds: [ID!]!) {
    addMembers(roomId: $roomId, userIds: $userIds) { id name members { id displayName role } }
  }
`;

export const QUEUE_STATS = gql`
  query QueueStats { queueStats { streams length lag pending deadLetters consumers } }
`;

export const DEAD_LETTERS = gql`
  query DeadLetters($limit: Int) {
    deadLetters(limit: $limit) { id messageId roomId idempotencyKey deliveries error failedAt entry }
  }
`;

export const RETRY_DEAD_LETTER = gql`mutation RetryDeadLetter($id: ID!) { retryDeadLetter(id: $id) }`;

// The inbox (issue 14).
export const CONVERSATION_FIELDS = gql`
  fragment ConversationFields on Room {
    id name status tags updatedAt
    patient { id displayName }
    assignee { id displayName role }
  }
`;

// Live state (issue 15): what changes in a room as others read and write.
export const READ_FIELDS = gql`
  fragment ReadFields on Room {
    unreadCount
    readReceipts { cursor readAt user { id displayName role } }
  }
`;

// A room as the inbox list shows it; inboxUpdated (live.js) selects the same fields.
export const INBOX_ROOM_FIELDS = gql`
  fragment InboxRoomFields on Room {
    ...ConversationFields
    ...ReadFields
    lastMessage { id body createdAt internal sender { id displayName } }
  }
  ${CONVERSATION_FIELDS}
  ${READ_FIELDS}
`;

export const INBOX = gql`
  query Inbox($filter: InboxFilter, $limit: Int, $after: String) {
    inbox(filter: $filter, limit: $limit, after: $after) {
      rooms { ...InboxRoomFields }
      next
    }
  }
  ${INBOX_ROOM_FIELDS}
`;

export const CONVERSATION = gql`
  query Conversation($id: ID!) { room(id: $id) { ...ConversationFields ...ReadFields } }
  ${CONVERSATION_FIELDS}
  ${READ_FIELDS}
`;

export const MARK_READ = gql`
  mutation MarkRead($roomId: ID!, $cursor: String!) {
    markRead(roomId: $roomId, cursor: $cursor) { id ...ReadFields }
  }
  ${READ_FIELDS}
`;

export const SET_TYPING = gql`mutation SetTyping($roomId: ID!, $typing: Boolean!) { setTyping(roomId: $roomId, typing: $typing) }`;

/**
 * One query for the presence of many: the members of the open room and the
 * patient and assignee of each listed room, by alias (r0, r1, …). Null when
 * there is nothing to ask.
 */
export function presenceQuery(openRoomId, listRoomIds) {
  const parts = [];
  const vars = {};
  const params = [];
  if (openRoomId) {
    params.push('$open: ID!');
    vars.open = openRoomId;
    parts.push('open: room(id: $open) { id members { id online } }');
  }
  listRoomIds.forEach((id, i) => {
    params.push(`$r${i}: ID!`);
    vars[`r${i}`] = id;
    parts.push(`r${i}: room(id: $r${i}) { id patient { id online } assignee { id online } }`);
  });
  if (!parts.length) return null;
  return { query: gql(`query Presence(${params.join(', ')}) { ${parts.join(' ')} }`), variables: vars };
}

export const START_CONVERSATION = gql`
  mutation StartConversation($subject: String!, $body: String!, $idempotencyKey: String!) {
    startConversation(subject: $subject, body: $body, idempotencyKey: $idempotencyKey) { ...ConversationFields }
  }
  ${CONVERSATION_FIELDS}
`;

export const ASSIGN_CONVERSATION = gql`
  mutation AssignConversation($roomId: ID!, $assigneeId: ID) {
    assignConversation(roomId: $roomId, assigneeId: $assigneeId) { ...ConversationFields members { id displayName role } }
  }
  ${CONVERSATION_FIELDS}
`;

export const SET_STATUS = gql`
  mutation SetConversationStatus($roomId: ID!, $status: ConversationStatus!) {
    setConversationStatus(roomId: $roomId, status: $status) { ...ConversationFields }
  }
  ${CONVERSATION_FIELDS}
`;

export const SET_TAGS = gql`
  mutation SetTags($roomId: ID!, $tags: [String!]!) {
    setTags(roomId: $roomId, tags: $tags) { ...ConversationFields }
  }
  ${CONVERSATION_FIELDS}
`;

const PROFILE_FIELDS = `
  user { id displayName email role }
  mrn dateOfBirth phone staffNotes updatedAt
`;

export const PATIENT = gql`
  query Patient($userId: ID!) {
    patient(userId: $userId) {
      ${PROFILE_FIELDS}
      conversations { id name status updatedAt }
    }
  }
`;

export const PATIENTS = gql`
  query Patients($search: String!, $limit: Int) {
    patients(search: $search, limit: $limit) { user { id displayName email } mrn dateOfBirth }
  }
`;

export const UPDATE_PATIENT = gql`
  mutation UpdatePatientProfile($userId: ID!, $input: PatientProfileInput!) {
    updatePatientProfile(userId: $userId, input: $input) { ${PROFILE_FIELDS} }
  }
`;

export const SEARCH_MESSAGES = gql`
  query SearchMessages($query: String!, $roomId: ID, $limit: Int) {
    searchMessages(query: $query, roomId: $roomId, limit: $limit) { ...MessageFields }
  }
  ${MESSAGE_FIELDS}
`;

export const AUDIT_LOG = gql`
  query AuditLog($actorId: ID, $patientId: ID, $roomId: ID, $action: String, $before: ID, $limit: Int) {
    auditLog(actorId: $actorId, patientId: $patientId, roomId: $roomId, action: $action, before: $before, limit: $limit) {
      id at action roomId patientId address detail
      actor { id email displayName }
    }
  }
`;
