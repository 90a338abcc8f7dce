import { describeBrokerFault } from './testing/broker-fault';

describeBrokerFault({
  label: 'stall_broker',
  title: 'the Kafka broker frozen (SIGSTOP) for 20 s mid-stream',
  kind: 'freeze',
});
