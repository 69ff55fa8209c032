import type { BerthTool } from '../tool.js';
import { copyFilesFromContainer, copyFilesToContainer, executeCommandInContainer, getContainerStats, monitorContainerLogs } from './containerIo.js';
import { createContainer, inspectContainer, listContainers, pauseContainer, removeContainer, restartContainer, startContainer, stopContainer, unpauseContainer } from './containers.js';
import { buildImage, inspectImage, listImages, pullImage, pushImage, removeImage } from './images.js';
import { connectContainerToNetwork, createNetwork, disconnectContainer, listNetworks, removeNetwork } from './networks.js';
import { getDockerInfo, getSystemDf } from './system.js';
import { createVolume, inspectVolume, listVolumes, removeVolume } from './volumes.js';

/** Docker itself, on any host: containers, images, networks, volumes, system. */
export const dockerTools: BerthTool[] = [
  listContainers,
  inspectContainer,
  createContainer,
  startContainer,
  stopContainer,
  restartContainer,
  pauseContainer,
  unpauseContainer,
  removeContainer,
  getContainerStats,
  monitorContainerLogs,
  executeCommandInContainer,
  copyFilesToContainer,
  copyFilesFromContainer,
  listImages,
  inspectImage,
  pullImage,
  buildImage,
  pushImage,
  removeImage,
  listNetworks,
  createNetwork,
  removeNetwork,
  connectContainerToNetwork,
  disconnectContainer,
  listVolumes,
  createVolume,
  removeVolume,
  inspectVolume,
  getDockerInfo,
  getSystemDf,
];
