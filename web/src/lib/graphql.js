// The GraphQL documents of the client (the schema is schema.graphql at the project root).
import { gql } from '@apollo/client';

export const USER_FIELDS = gql`
  fragment UserFields on User { id email displayName role }
`;

export const MESSAGE_FIELDS = gql`
  fragment MessageFields on Message {
    id roomId body idempotencyKey createdAt status cursor
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

export const ROOMS = gql`
  query Rooms {
    rooms {
      id name createdAt
      lastMessage { id body createdAt status cursor sender { id displayName } }
    }
  }
`;

export const ROOM = gql`
  query Room($id: ID!) {
    room(id: $id) { id name createdAt members { id displayName role } }
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
