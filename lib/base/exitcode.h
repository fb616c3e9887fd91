// Exit codes shared by every posta program.
#pragma once

namespace posta {

// qmail-queue meanings, used by posta-queue and every queue filter.
enum QueueExit : int {
  kQueueOk = 0,
  kQueueAddressTooLong = 11,
  kQueueRefusedPermanently = 31,
  kQueueOutOfMemory = 51,
  kQueueWriteError = 53,     // write error or disk full
  kQueueCannotReadInput = 54,
  kQueueSpoolTrouble = 61,
  kQueueRefusedTemporarily = 71,
  kQueueInternalBug = 81,
  kQueueCustomMessage = 82,  // refusal text on fd 6
  kQueueEnvelopeFormat = 91,
};

// Delivery agents (posta-local, posta-remote): qmail-local's meanings.
enum DeliveryExit : int {
  kDelivered = 0,
  kDeliveryPermanent = 100,
  kDeliveryTemporary = 111,
};

// Tools and daemons: skalibs' convention.
enum ToolExit : int {
  kExitOk = 0,
  kExitNotFound = 1,    // admin tools: not found or already exists
  kExitUsage = 2,       // admin tools: CLI11 usage error
  kExitUsageS6 = 100,   // chainloaders and daemons: usage
  kExitTemporary = 111, // system trouble, try again
};

}  // namespace posta
